function main(N, M) {
  const held = new Float64Array(M).fill(1);
  let h = 0;
  let i = 0;
  while (i < N) {
    h = (h * 1103515245 + 12345) % 2147483648;
    i++;
  }
  console.log(h, held.length);
}

main(33788650, 8614916);
