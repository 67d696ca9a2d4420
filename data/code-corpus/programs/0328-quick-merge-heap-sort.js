const options = { n: 1999, r: 2 };
function sort(a) {
  if (a.length < 2) return a;
  const mid = a.length >> 1;
  const l = sort(a.slice(0, mid)), r = sort(a.slice(mid));
  const out = [];
  let i = 0, j = 0;
  while (i < l.length && j < r.length) out.push(l[i] <= r[j] ? l[i++] : r[j++]);
  while (i < l.length) out.push(l[i++]);
  while (j < r.length) out.push(r[j++]);
  return out;
}
let x = 7;
const data = Array.from({ length: options.n }, () => (x = (x * 48271) % 2147483647));
let checksum = 0;
for (let r = 0; r < options.r; r++) {
  const sorted = sort(data.slice());
  checksum += sorted[r % sorted.length];
}
console.log(checksum);
