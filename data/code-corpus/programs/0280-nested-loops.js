const options = { n0: 1762, n1: 1762 };
let acc = 0;
for (let i = 0; i < options.n0; i++) {
  for (let j = 0; j < options.n1; j++) {
    acc += i * j % 7;
  }
}
console.log(acc);
