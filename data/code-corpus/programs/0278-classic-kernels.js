const options = { n: 29414, k: 5, g: 16 };
const points = Array.from({ length: options.n }, (_, i) => [Math.sin(i) * 10 + (i % 3) * 20, Math.cos(i * 1.3) * 10]);
let centers = points.slice(0, options.k).map((p) => p.slice());
for (let iter = 0; iter < options.g; iter++) {
  const sums = centers.map(() => [0, 0, 0]);
  for (const p of points) {
    let best = 0, bestD = Infinity;
    centers.forEach((c, i) => { const dd = (p[0] - c[0]) ** 2 + (p[1] - c[1]) ** 2; if (dd < bestD) { bestD = dd; best = i; } });
    sums[best][0] += p[0]; sums[best][1] += p[1]; sums[best][2]++;
  }
  centers = sums.map((s, i) => (s[2] ? [s[0] / s[2], s[1] / s[2]] : centers[i]));
}
console.log(centers.length);
