const options = { nn: 993 };
let f = 1n;
for (let i = 1n; i <= options.nn; i++) f *= i;
console.log(f.toString().length);
