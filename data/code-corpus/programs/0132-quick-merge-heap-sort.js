const N = 1357;
const R = 1;
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
const data = Array.from({ length: N }, () => (x = (x * 48271) % 2147483647));
let checksum = 0;
for (let r = 0; r < R; r++) {
  const sorted = sort(data.slice());
  checksum += sorted[r % sorted.length];
}
console.log(checksum);
