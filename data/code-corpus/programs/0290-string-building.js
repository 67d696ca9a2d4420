const options = { k: 608, r: 7 };
const base = 'lorem ipsum dolor sit amet '.repeat(options.k);
let count = 0;
for (let r = 0; r < options.r; r++) count += base.replace(/o/g, '0').split(' ').length;
console.log(count);
