const N = 996858;
const a = new Float64Array(N);
for (let i = 0; i < a.length; i++) a[i] = Math.sin(i * 12.9898) * 43758.5453 % 1;
a.sort();
console.log(a[0], a[a.length - 1]);
