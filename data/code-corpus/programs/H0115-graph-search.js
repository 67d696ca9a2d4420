const W = 579, H = 579;
const dist = new Int32Array(W * H).fill(-1);
const queue = [0];
dist[0] = 0;
for (let head = 0; head < queue.length; head++) {
  const v = queue[head], x = v % W, y = (v / W) | 0;
  for (const [dx, dy] of [[1, 0], [-1, 0], [0, 1], [0, -1]]) {
    const nx = x + dx, ny = y + dy;
    if (nx < 0 || ny < 0 || nx >= W || ny >= H || (nx * 7 + ny * 13) % 11 === 0) continue;
    const u = ny * W + nx;
    if (dist[u] < 0) { dist[u] = dist[v] + 1; queue.push(u); }
  }
}
console.log(dist[W * H - 1]);