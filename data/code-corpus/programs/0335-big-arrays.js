const options = { n: 47864 };
const a = new Array(options.n).fill(0).map((_, i) => i * 0.5);
console.log(a.reduce((s, v) => s + v, 0));
