function main(N, M) {
  const held = new Float64Array(M).fill(1);
  let h = 0;
  for (let i = 0; i < N; i++) h = (h * 31 + i) | 0;
  console.log(h, held.length);
}

main(50712251, 2928158);
