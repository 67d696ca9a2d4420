let inside = 0;
for (let py = 0; py < 52; py++) {
  for (let px = 0; px < 35; px++) {
    const cx = (px / 35) * 3.5 - 2.5, cy = (py / 52) * 2 - 1;
    let x = 0, y = 0, i = 0;
    while (x * x + y * y < 4 && i < 14) { const t = x * x - y * y + cx; y = 2 * x * y + cy; x = t; i++; }
    if (i === 14) inside++;
  }
}
console.log(inside);