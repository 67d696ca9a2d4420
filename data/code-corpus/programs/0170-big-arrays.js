const options = { m: 3 };
const blocks = [];
for (let i = 0; i < options.m; i++) blocks.push(new Float64Array(125000).fill(i));
console.log(blocks.length);
