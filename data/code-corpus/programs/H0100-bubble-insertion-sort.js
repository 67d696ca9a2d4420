const N = 1153;
let seed = 42;
const rand = () => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
const a = [];
for (let i = 0; i < N; i++) a.push(Math.floor(rand() * 1e6));
for (let i = 1; i < a.length; i++) {
  const v = a[i];
  let j = i - 1;
  while (j >= 0 && a[j] > v) { a[j + 1] = a[j]; j--; }
  a[j + 1] = v;
}
console.log(a[0], a[a.length - 1]);
