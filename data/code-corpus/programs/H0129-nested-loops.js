const options = { n0: 39, n1: 39, n2: 39, n3: 39 };
let acc = 0;
for (let i = 0; i < options.n0; i++) {
  for (let j = 0; j < options.n1; j++) {
    for (let k = 0; k < options.n2; k++) {
      for (let l = 0; l < options.n3; l++) {
        acc += i * j % 7;
      }
    }
  }
}
console.log(acc);
