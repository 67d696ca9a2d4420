const options = { n: 3282, r: 1260, m: 327 };
function sum(n) { return n === 0 ? 0 : n + sum(n - 1); }
function ack(m, n) { return m === 0 ? n + 1 : n === 0 ? ack(m - 1, 1) : ack(m - 1, ack(m, n - 1)); }
let s = 0;
for (let r = 0; r < options.r; r++) s += sum(options.n);
console.log(s, ack(2, options.m));
