const options = { n: 1163, r: 3 };
function sort(a) {
  const n = a.length;
  const sift = (i, size) => {
    for (;;) {
      let m = i; const l = 2 * i + 1, r = l + 1;
      if (l < size && a[l] > a[m]) m = l;
      if (r < size && a[r] > a[m]) m = r;
      if (m === i) return;
      const t = a[i]; a[i] = a[m]; a[m] = t; i = m;
    }
  };
  for (let i = (n >> 1) - 1; i >= 0; i--) sift(i, n);
  for (let end = n - 1; end > 0; end--) { const t = a[0]; a[0] = a[end]; a[end] = t; sift(0, end); }
  return a;
}
let x = 7;
const data = Array.from({ length: options.n }, () => (x = (x * 48271) % 2147483647));
let checksum = 0;
for (let r = 0; r < options.r; r++) {
  const sorted = sort(data.slice());
  checksum += sorted[r % sorted.length];
}
console.log(checksum);
