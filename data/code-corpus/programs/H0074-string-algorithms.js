const N = 711557;
let count = 0;
for (let i = 0; i < N; i++) {
  const s = i.toString();
  if (s === s.split('').reverse().join('')) count++;
}
console.log(count);
