function main(N, M) {
  const held = new Float64Array(M).fill(1);
  let h = 0;
  let i = 0;
  while (i < N) {
    h = (h * 31 + i) | 0;
    i++;
  }
  console.log(h, held.length);
}

main(38442, 2552190);
