function main(N) {
  const n = N * N;
  const adj = Array.from({ length: n }, (_, v) => [(v + 1) % n, (v * 7 + 3) % n, (v * 13 + 5) % n]);
  const seen = new Uint8Array(n);
  const stack = [0];
  let visited = 0;
  while (stack.length) {
    const v = stack.pop();
    if (seen[v]) continue;
    seen[v] = 1; visited++;
    for (const u of adj[v]) if (!seen[u]) stack.push(u);
  }
  console.log(visited);
}

main(24);
