let h = 0;
for (let i = 0; i < 68919; i++) h += Math.sqrt(i);
console.log(h);