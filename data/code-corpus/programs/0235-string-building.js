const base = 'lorem ipsum dolor sit amet '.repeat(3829);
let count = 0;
for (let r = 0; r < 4; r++) count += base.replace(/o/g, '0').split(' ').length;
console.log(count);