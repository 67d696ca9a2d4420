const N0 = 10852;
const N1 = 10852;
let acc = 0;
for (let i = 0; i < N0; i++) {
  for (let j = 0; j < N1; j++) {
    if ((i + j) % 3 === 0) acc++; else acc--;
  }
}
console.log(acc);
