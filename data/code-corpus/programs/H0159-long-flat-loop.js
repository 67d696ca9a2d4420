function main(N) {
  let h = 0;
  let i = 0;
  while (i < N) {
    h = (h * 31 + i) | 0;
    i++;
  }
  console.log(h);
}

main(1541821);
