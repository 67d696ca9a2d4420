const N0 = 244;
const N1 = 244;
const N2 = 244;
let acc = 0;
for (let i = 0; i < N0; i++) {
  for (let j = 0; j < N1; j++) {
    for (let k = 0; k < N2; k++) {
      acc ^= (i << 3) + j;
    }
  }
}
console.log(acc);
