const options = { n0: 2395, n1: 2395 };
let acc = 0;
for (let i = 0; i < options.n0; i++) {
  for (let j = 0; j < options.n1; j++) {
    acc ^= (i << 3) + j;
  }
}
console.log(acc);
