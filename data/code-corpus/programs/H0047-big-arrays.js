const N = 1606590;
const a = [];
for (let i = 0; i < N; i++) a.push("s-" + i + "-" + (i * 7));
console.log(a.length, a[a.length - 1]);
