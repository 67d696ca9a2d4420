const sorted = new Int32Array(1210);
for (let i = 0; i < sorted.length; i++) sorted[i] = i * 3;
function find(xs, v) {
  let lo = 0, hi = xs.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1;
    if (xs[mid] === v) return mid;
    if (xs[mid] < v) lo = mid + 1; else hi = mid - 1;
  }
  return -1;
}
let hits = 0;
for (let q = 0; q < 42546; q++) if (find(sorted, (q * 7919) % (1210 * 3)) >= 0) hits++;
console.log(hits);