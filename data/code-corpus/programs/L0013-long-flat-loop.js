const options = { n: 21774487 };
let h = 0;
for (let i = 0; i < options.n; i++) if (i % 3 === 0) h++;
console.log(h);
