const N0 = 77;
const N1 = 77;
const N2 = 77;
const N3 = 77;
let acc = 0;
for (let i = 0; i < N0; i++) {
  for (let j = 0; j < N1; j++) {
    for (let k = 0; k < N2; k++) {
      for (let l = 0; l < N3; l++) {
        if ((i + j) % 3 === 0) acc++; else acc--;
      }
    }
  }
}
console.log(acc);
