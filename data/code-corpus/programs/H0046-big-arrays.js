const N = 4096590;
const a = [];
for (let i = 0; i < N; i++) a.push({ i, v: i * 1.5 });
console.log(a.length);
