const options = { n: 65012658 };
let h = 0;
for (let i = 0; i < options.n; i++) h = (h + i * i) % 1000003;
console.log(h);
