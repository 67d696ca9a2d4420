const NN = 4647;
let f = 1n;
for (let i = 1n; i <= NN; i++) f *= i;
console.log(f.toString().length);
