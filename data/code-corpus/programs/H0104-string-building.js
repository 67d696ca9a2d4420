const options = { k: 62743, r: 20 };
const base = 'lorem ipsum dolor sit amet '.repeat(options.k);
let count = 0;
for (let r = 0; r < options.r; r++) count += base.replace(/o/g, '0').split(' ').length;
console.log(count);
