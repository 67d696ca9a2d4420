function main(N0, N1, N2, N3) {
  let acc = 0;
  for (let i = 0; i < N0; i++) {
    for (let j = 0; j < N1; j++) {
      for (let k = 0; k < N2; k++) {
        for (let l = 0; l < N3; l++) {
          acc = (acc + Math.sqrt(i + j)) % 1e9;
        }
      }
    }
  }
  console.log(acc);
}

main(99, 99, 99, 99);
