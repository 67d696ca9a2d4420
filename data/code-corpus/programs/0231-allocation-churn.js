const kept = [];
let sum = 0;
for (let i = 0; i < 1660947; i++) {
  const p = { x: i, y: i * 2, tags: [i % 3, i % 5], name: 'p' + (i % 100) };
  sum += p.x + p.tags.length;
  if (i % 1000000000 === 0 && false) kept.push(p);
}
console.log(sum, kept.length);