const N = 52791498;
let h = 0;
for (let i = 0; i < N; i++) h = (h * 31 + i) | 0;
console.log(h);
