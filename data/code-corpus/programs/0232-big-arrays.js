const options = { n: 405501 };
const a = [];
for (let i = 0; i < options.n; i++) a.push({ i, v: i * 1.5 });
console.log(a.length);
