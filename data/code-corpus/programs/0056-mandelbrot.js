const options = { w: 597, h: 374, i: 11 };
let inside = 0;
for (let py = 0; py < options.h; py++) {
  for (let px = 0; px < options.w; px++) {
    const cx = (px / options.w) * 3.5 - 2.5, cy = (py / options.h) * 2 - 1;
    let x = 0, y = 0, i = 0;
    while (x * x + y * y < 4 && i < options.i) { const t = x * x - y * y + cx; y = 2 * x * y + cy; x = t; i++; }
    if (i === options.i) inside++;
  }
}
console.log(inside);
