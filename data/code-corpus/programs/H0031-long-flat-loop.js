const options = { n: 18249933, m: 8967125 };
const held = new Float64Array(options.m).fill(1);
let h = 0;
for (let i = 0; i < options.n; i++) h = (h + i * i) % 1000003;
console.log(h, held.length);
