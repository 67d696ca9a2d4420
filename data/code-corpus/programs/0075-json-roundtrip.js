function tree(depth, width) {
  if (depth === 0) return { value: depth, label: 'leaf', tags: ['a', 'b'] };
  const node = { depth, children: [] };
  for (let i = 0; i < width; i++) node.children.push(tree(depth - 1, width));
  return node;
}
const doc = tree(2, 6);
let size = 0;
for (let r = 0; r < 7; r++) {
  const text = JSON.stringify(doc);
  size += JSON.parse(text).children.length + text.length;
}
console.log(size);