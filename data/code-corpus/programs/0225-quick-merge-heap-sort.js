const N = 9254;
const R = 1;
function sort(a, lo = 0, hi = a.length - 1) {
  while (lo < hi) {
    const p = a[(lo + hi) >> 1];
    let i = lo, j = hi;
    while (i <= j) {
      while (a[i] < p) i++;
      while (a[j] > p) j--;
      if (i <= j) { const t = a[i]; a[i] = a[j]; a[j] = t; i++; j--; }
    }
    if (j - lo < hi - i) { sort(a, lo, j); lo = i; } else { sort(a, i, hi); hi = j; }
  }
  return a;
}
let x = 7;
const data = Array.from({ length: N }, () => (x = (x * 48271) % 2147483647));
let checksum = 0;
for (let r = 0; r < R; r++) {
  const sorted = sort(data.slice());
  checksum += sorted[r % sorted.length];
}
console.log(checksum);
