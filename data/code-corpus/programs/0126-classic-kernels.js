const options = { r: 12 };
const puzzle = '530070000600195000098000060800060003400803001700020006060000280000419005000080079';
function solve(b) {
  const i = b.indexOf(0);
  if (i < 0) return true;
  const r = Math.floor(i / 9), c = i % 9;
  for (let v = 1; v <= 9; v++) {
    let ok = true;
    for (let k = 0; k < 9 && ok; k++) {
      if (b[r * 9 + k] === v || b[k * 9 + c] === v) ok = false;
      const br = 3 * Math.floor(r / 3) + Math.floor(k / 3), bc = 3 * Math.floor(c / 3) + (k % 3);
      if (b[br * 9 + bc] === v) ok = false;
    }
    if (!ok) continue;
    b[i] = v;
    if (solve(b)) return true;
    b[i] = 0;
  }
  return false;
}
let solved = 0;
for (let r = 0; r < options.r; r++) { const b = puzzle.split('').map(Number); if (solve(b)) solved++; }
console.log(solved);
