const options = { n0: 6, n1: 6, n2: 6, n3: 6 };
let acc = 0;
for (let i = 0; i < options.n0; i++) {
  for (let j = 0; j < options.n1; j++) {
    for (let k = 0; k < options.n2; k++) {
      for (let l = 0; l < options.n3; l++) {
        if ((i + j) % 3 === 0) acc++; else acc--;
      }
    }
  }
}
console.log(acc);
