const N = 46109;
let h = 0;
let i = 0;
while (i < N) {
  if (i % 3 === 0) h++;
  i++;
}
console.log(h);
