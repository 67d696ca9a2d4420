const m = new Map();
const seen = new Set();
for (let i = 0; i < 1814147; i++) {
  const k = (i * 7919) % 9019;
  m.set(k, (m.get(k) || 0) + 1);
  seen.add('k' + (k % 1000));
}
let hits = 0;
for (let i = 0; i < 1814147; i++) if (m.has(i)) hits++;
for (const k of m.keys()) if (k % 2) m.delete(k);
console.log(m.size, seen.size, hits);