const N = 235082;
const R = 10;
const xs = Array.from({ length: N }, (_, i) => i);
let total = 0;
for (let r = 0; r < R; r++) {
  total += xs.map((x) => x * 3).filter((x) => x % 2 === 0).reduce((s, x) => s + x, 0);
  if (xs.some((x) => x === r)) total++;
}
console.log(total);
