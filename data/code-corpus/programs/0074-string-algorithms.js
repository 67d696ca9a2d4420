const N = 62462;
const groups = new Map();
for (let i = 0; i < N; i++) {
  const w = ((i * 2654435761) >>> 0).toString(36).slice(0, 4);
  const key = w.split('').sort().join('');
  groups.set(key, (groups.get(key) || 0) + 1);
}
console.log(groups.size);
