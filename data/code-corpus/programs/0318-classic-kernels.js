function main(N, K) {
  const spheres = Array.from({ length: K }, (_, i) => ({ x: (i % 5) - 2, y: Math.floor(i / 5) - 1, z: 5 + (i % 3), r: 0.6 }));
  let hits = 0;
  for (let py = 0; py < N; py++) for (let px = 0; px < N; px++) {
    const dx = px / N - 0.5, dy = py / N - 0.5, dz = 1, len = Math.hypot(dx, dy, dz);
    let nearest = Infinity;
    for (const s of spheres) {
      const b = (dx * s.x + dy * s.y + dz * s.z) / len, c = s.x * s.x + s.y * s.y + s.z * s.z - s.r * s.r, disc = b * b - c;
      if (disc >= 0) { const t = b - Math.sqrt(disc); if (t > 0 && t < nearest) nearest = t; }
    }
    if (nearest < Infinity) hits++;
  }
  console.log(hits);
}

main(31, 11);
