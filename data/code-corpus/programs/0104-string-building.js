const N = 89646;
const parts = [];
for (let i = 0; i < N; i++) parts.push('item-' + i);
const text = parts.join(',');
console.log(text.split(',').filter((p) => p.endsWith('7')).length);
