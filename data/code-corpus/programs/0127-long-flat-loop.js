function main(N, M) {
  const held = new Float64Array(M).fill(1);
  let h = 0;
  for (let i = 0; i < N; i++) h = (h * 1103515245 + 12345) % 2147483648;
  console.log(h, held.length);
}

main(176115, 6381);
