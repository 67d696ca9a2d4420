const N0 = 2328621;
let acc = 0;
for (let i = 0; i < N0; i++) {
  acc += i * 1 % 7;
}
console.log(acc);
