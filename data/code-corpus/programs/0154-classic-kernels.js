const N = 70;
const G = 25;
const n = N;
let grid = new Uint8Array(n * n).map((_, i) => ((i * 2654435761) >>> 28) & 1);
for (let gen = 0; gen < G; gen++) {
  const next = new Uint8Array(n * n);
  for (let y = 0; y < n; y++) for (let x = 0; x < n; x++) {
    let live = 0;
    for (let dy = -1; dy <= 1; dy++) for (let dx = -1; dx <= 1; dx++) if (dx || dy) live += grid[((y + dy + n) % n) * n + ((x + dx + n) % n)];
    const alive = grid[y * n + x];
    next[y * n + x] = live === 3 || (alive && live === 2) ? 1 : 0;
  }
  grid = next;
}
console.log(grid.reduce((s, v) => s + v, 0));
