function main(D, W, R) {
  function tree(depth, width) {
    if (depth === 0) return { value: depth, label: 'leaf', tags: ['a', 'b'] };
    const node = { depth, children: [] };
    for (let i = 0; i < width; i++) node.children.push(tree(depth - 1, width));
    return node;
  }
  const doc = tree(D, W);
  let size = 0;
  for (let r = 0; r < R; r++) {
    const text = JSON.stringify(doc);
    size += JSON.parse(text).children.length + text.length;
  }
  console.log(size);
}

main(5, 3, 3);
