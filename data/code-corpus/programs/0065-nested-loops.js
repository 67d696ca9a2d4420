function main(N0, N1) {
  let acc = 0;
  for (let i = 0; i < N0; i++) {
    for (let j = 0; j < N1; j++) {
      acc ^= (i << 3) + j;
    }
  }
  console.log(acc);
}

main(35, 35);
