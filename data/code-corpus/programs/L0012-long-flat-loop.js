const N = 597398;
let h = 0;
let i = 0;
while (i < N) {
  h = (h + ((i & 255) ^ (h >>> 3))) | 0;
  i++;
}
console.log(h);
