function main(N, M) {
  const held = new Float64Array(M).fill(1);
  let h = 0;
  for (let i = 0; i < N; i++) h += Math.sqrt(i);
  console.log(h, held.length);
}

main(36478919, 16856);
