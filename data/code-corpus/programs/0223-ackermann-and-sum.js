const N = 3559;
const R = 653;
const M = 391;
function sum(n) { return n === 0 ? 0 : n + sum(n - 1); }
function ack(m, n) { return m === 0 ? n + 1 : n === 0 ? ack(m - 1, 1) : ack(m - 1, ack(m, n - 1)); }
let s = 0;
for (let r = 0; r < R; r++) s += sum(N);
console.log(s, ack(2, M));
