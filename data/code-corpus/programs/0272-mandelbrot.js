let inside = 0;
for (let py = 0; py < 76; py++) {
  for (let px = 0; px < 261; px++) {
    const cx = (px / 261) * 3.5 - 2.5, cy = (py / 76) * 2 - 1;
    let x = 0, y = 0, i = 0;
    while (x * x + y * y < 4 && i < 105) { const t = x * x - y * y + cx; y = 2 * x * y + cy; x = t; i++; }
    if (i === 105) inside++;
  }
}
console.log(inside);