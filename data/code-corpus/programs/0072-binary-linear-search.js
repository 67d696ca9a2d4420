function main(N, Q) {
  const sorted = new Int32Array(N);
  for (let i = 0; i < sorted.length; i++) sorted[i] = i * 3;
  function find(xs, v) {
    for (let i = 0; i < xs.length; i++) if (xs[i] === v) return i;
    return -1;
  }
  let hits = 0;
  for (let q = 0; q < Q; q++) if (find(sorted, (q * 7919) % (N * 3)) >= 0) hits++;
  console.log(hits);
}

main(41338, 12);
