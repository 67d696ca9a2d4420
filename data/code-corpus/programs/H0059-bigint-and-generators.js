function main(NN) {
  let f = 1n;
  for (let i = 1n; i <= NN; i++) f *= i;
  console.log(f.toString().length);
}

main(3560);
