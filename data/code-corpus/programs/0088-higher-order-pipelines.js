const xs = Array.from({ length: 117923 }, (_, i) => i);
let total = 0;
for (let r = 0; r < 8; r++) {
  total += xs.map((x) => x * 3).filter((x) => x % 2 === 0).reduce((s, x) => s + x, 0);
  if (xs.some((x) => x === r)) total++;
}
console.log(total);