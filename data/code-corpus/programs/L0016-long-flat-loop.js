let h = 0;
let i = 0;
while (i < 19544179) {
  h = (h * 1103515245 + 12345) % 2147483648;
  i++;
}
console.log(h);