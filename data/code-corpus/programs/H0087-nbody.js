const B = 178;
const S = 1778;
class Body {
  constructor(x, y, z, m) { this.x = x; this.y = y; this.z = z; this.vx = 0; this.vy = 0; this.vz = 0; this.m = m; }
}
const bodies = Array.from({ length: B }, (_, i) => new Body(Math.cos(i), Math.sin(i), i * 0.1, 1 + (i % 3)));
function step(dt) {
  for (let i = 0; i < bodies.length; i++) {
    const a = bodies[i];
    for (let j = i + 1; j < bodies.length; j++) {
      const b = bodies[j];
      const dx = a.x - b.x, dy = a.y - b.y, dz = a.z - b.z;
      const d2 = dx * dx + dy * dy + dz * dz + 0.01, mag = dt / (d2 * Math.sqrt(d2));
      a.vx -= dx * b.m * mag; a.vy -= dy * b.m * mag; a.vz -= dz * b.m * mag;
      b.vx += dx * a.m * mag; b.vy += dy * a.m * mag; b.vz += dz * a.m * mag;
    }
  }
  for (const b of bodies) { b.x += dt * b.vx; b.y += dt * b.vy; b.z += dt * b.vz; }
}
for (let s = 0; s < S; s++) step(0.01);
console.log(bodies[0].x.toFixed(6));
