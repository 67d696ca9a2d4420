const options = { n0: 10, n1: 10, n2: 10 };
let acc = 0;
for (let i = 0; i < options.n0; i++) {
  for (let j = 0; j < options.n1; j++) {
    for (let k = 0; k < options.n2; k++) {
      acc ^= (i << 3) + j;
    }
  }
}
console.log(acc);
