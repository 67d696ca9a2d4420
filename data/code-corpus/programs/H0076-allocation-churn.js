const options = { n: 2260770 };
const kept = [];
let sum = 0;
for (let i = 0; i < options.n; i++) {
  const p = { x: i, y: i * 2, tags: [i % 3, i % 5], name: 'p' + (i % 100) };
  sum += p.x + p.tags.length;
  if (i % 10 === 0) kept.push(p);
}
console.log(sum, kept.length);
