let f = 1n;
for (let i = 1n; i <= 5649; i++) f *= i;
console.log(f.toString().length);