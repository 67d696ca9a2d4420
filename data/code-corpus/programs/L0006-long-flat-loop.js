let h = 0;
let i = 0;
while (i < 2100529) {
  h = (h + ((i & 255) ^ (h >>> 3))) | 0;
  i++;
}
console.log(h);