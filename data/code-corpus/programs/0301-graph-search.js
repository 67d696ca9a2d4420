function main(N) {
  class Heap {
    constructor() { this.items = []; }
    push(d, v) { const a = this.items; a.push([d, v]); let i = a.length - 1; while (i > 0) { const p = (i - 1) >> 1; if (a[p][0] <= a[i][0]) break; [a[p], a[i]] = [a[i], a[p]]; i = p; } }
    pop() { const a = this.items; const top = a[0]; const last = a.pop(); if (a.length) { a[0] = last; let i = 0; for (;;) { let m = i; const l = 2 * i + 1, r = l + 1; if (l < a.length && a[l][0] < a[m][0]) m = l; if (r < a.length && a[r][0] < a[m][0]) m = r; if (m === i) break; [a[m], a[i]] = [a[i], a[m]]; i = m; } } return top; }
    get size() { return this.items.length; }
  }
  const n = N * N;
  const dist = new Float64Array(n).fill(Infinity);
  const heap = new Heap();
  dist[0] = 0; heap.push(0, 0);
  while (heap.size) {
    const [d, v] = heap.pop();
    if (d > dist[v]) continue;
    for (const u of [(v + 1) % n, (v + N) % n, (v * 3 + 1) % n]) {
      const nd = d + 1 + ((v ^ u) % 5);
      if (nd < dist[u]) { dist[u] = nd; heap.push(nd, u); }
    }
  }
  console.log(dist[n - 1]);
}

main(244);
