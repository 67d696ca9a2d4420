const options = { n0: 79, n1: 79, n2: 79 };
let acc = 0;
for (let i = 0; i < options.n0; i++) {
  for (let j = 0; j < options.n1; j++) {
    for (let k = 0; k < options.n2; k++) {
      acc = (acc + Math.sqrt(i + j)) % 1e9;
    }
  }
}
console.log(acc);
