const rows = [];
for (let i = 0; i < 256; i++) rows.push(new Array(1000).fill(i));
console.log(rows.length * rows[0].length);