const options = { n: 25933754 };
let h = 0;
for (let i = 0; i < options.n; i++) h = (h * 1103515245 + 12345) % 2147483648;
console.log(h);
