const blocks = [];
for (let i = 0; i < 16; i++) blocks.push(new Float64Array(125000).fill(i));
console.log(blocks.length);