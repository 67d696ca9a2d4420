let h = 0;
for (let i = 0; i < 1240048; i++) h = (h * 1103515245 + 12345) % 2147483648;
console.log(h);