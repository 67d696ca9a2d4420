const options = { n0: 680851 };
let acc = 0;
for (let i = 0; i < options.n0; i++) {
  acc ^= (i << 3) + 1;
}
console.log(acc);
