const N = 14496;
const R = 28;
const n = N;
const a = new Float64Array(n), b = new Float64Array(n);
for (let i = 0; i < n; i++) { a[i] = Math.sin(i); b[i] = Math.cos(i); }
let dot = 0;
for (let r = 0; r < R; r++) for (let i = 0; i < n; i++) dot += a[i] * b[i];
console.log(dot.toFixed(3));
