let inside = 0;
for (let py = 0; py < 192; py++) {
  for (let px = 0; px < 202; px++) {
    const cx = (px / 202) * 3.5 - 2.5, cy = (py / 192) * 2 - 1;
    let x = 0, y = 0, i = 0;
    while (x * x + y * y < 4 && i < 423) { const t = x * x - y * y + cx; y = 2 * x * y + cy; x = t; i++; }
    if (i === 423) inside++;
  }
}
console.log(inside);