const K = 109;
const N = 4581;
class LRU {
  constructor(cap) { this.cap = cap; this.map = new Map(); }
  get(k) { if (!this.map.has(k)) return undefined; const v = this.map.get(k); this.map.delete(k); this.map.set(k, v); return v; }
  set(k, v) { this.map.delete(k); this.map.set(k, v); if (this.map.size > this.cap) this.map.delete(this.map.keys().next().value); }
}
const cache = new LRU(K);
let hits = 0;
for (let i = 0; i < N; i++) { const k = (i * i) % (K * 2); if (cache.get(k) !== undefined) hits++; else cache.set(k, { k, payload: 'v' + k }); }
console.log(hits);
