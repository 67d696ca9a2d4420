const N0 = 6756;
let acc = 0;
for (let i = 0; i < N0; i++) {
  acc ^= (i << 3) + 1;
}
console.log(acc);
