let count = 0;
for (let i = 0; i < 1709; i++) {
  const s = i.toString();
  if (s === s.split('').reverse().join('')) count++;
}
console.log(count);