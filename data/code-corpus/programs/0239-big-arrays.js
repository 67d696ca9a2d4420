const options = { m: 18 };
const rows = [];
for (let i = 0; i < options.m; i++) rows.push(new Array(1000).fill(i));
console.log(rows.length * rows[0].length);
