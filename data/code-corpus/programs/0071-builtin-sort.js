const words = [];
for (let i = 0; i < 147597; i++) words.push({ id: i, key: ((i * 2654435761) >>> 0).toString(36) });
words.sort((p, q) => (p.key < q.key ? -1 : p.key > q.key ? 1 : 0));
console.log(words[0].key, words.length);