const N = 756;
const C = 17414;
const items = Array.from({ length: N }, (_, i) => ({ w: 1 + (i * 37) % 23, v: 1 + (i * 91) % 50 }));
const best = new Float64Array(C + 1);
for (const it of items) for (let c = C; c >= it.w; c--) best[c] = Math.max(best[c], best[c - it.w] + it.v);
console.log(best[C]);
