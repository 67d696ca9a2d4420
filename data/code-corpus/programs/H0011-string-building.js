const parts = [];
for (let i = 0; i < 67619; i++) parts.push('item-' + i);
const text = parts.join(',');
console.log(text.split(',').filter((p) => p.endsWith('7')).length);