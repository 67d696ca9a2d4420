const lines = [];
for (let i = 0; i < 1665; i++) lines.push(`${i}:${(i * 31) % 97}:${i.toString(16)}`);
const out = lines.join('\n').toUpperCase();
console.log(out.length);