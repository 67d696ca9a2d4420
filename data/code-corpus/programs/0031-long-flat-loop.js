const options = { n: 261894 };
let h = 0;
for (let i = 0; i < options.n; i++) h += Math.sqrt(i);
console.log(h);
