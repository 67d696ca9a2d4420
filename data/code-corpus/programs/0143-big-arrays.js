const options = { n: 795894 };
const a = [];
for (let i = 0; i < options.n; i++) a.push("s-" + i + "-" + (i * 7));
console.log(a.length, a[a.length - 1]);
