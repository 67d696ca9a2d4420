const options = { n: 38563, k: 6793 };
const m = new Map();
const seen = new Set();
for (let i = 0; i < options.n; i++) {
  const k = (i * 7919) % options.k;
  m.set(k, (m.get(k) || 0) + 1);
  seen.add('k' + (k % 1000));
}
let hits = 0;
for (let i = 0; i < options.n; i++) if (m.has(i)) hits++;
for (const k of m.keys()) if (k % 2) m.delete(k);
console.log(m.size, seen.size, hits);
