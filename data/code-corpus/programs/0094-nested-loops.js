const options = { n0: 125, n1: 125, n2: 125 };
let acc = 0;
for (let i = 0; i < options.n0; i++) {
  for (let j = 0; j < options.n1; j++) {
    for (let k = 0; k < options.n2; k++) {
      acc ^= (i << 3) + j;
    }
  }
}
console.log(acc);
