let f = 1n;
for (let i = 1n; i <= 654; i++) f *= i;
console.log(f.toString().length);