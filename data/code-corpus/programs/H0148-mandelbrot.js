const W = 423;
const H = 362;
const I = 497;
let inside = 0;
for (let py = 0; py < H; py++) {
  for (let px = 0; px < W; px++) {
    const cx = (px / W) * 3.5 - 2.5, cy = (py / H) * 2 - 1;
    let x = 0, y = 0, i = 0;
    while (x * x + y * y < 4 && i < I) { const t = x * x - y * y + cx; y = 2 * x * y + cy; x = t; i++; }
    if (i === I) inside++;
  }
}
console.log(inside);
