function main(K) {
  const text = 'the quick brown fox jumps over the lazy dog '.repeat(K);
  const freq = new Map();
  for (const ch of text) freq.set(ch, (freq.get(ch) || 0) + 1);
  let nodes = [...freq].map(([ch, f]) => ({ ch, f }));
  while (nodes.length > 1) {
    nodes.sort((a, b) => a.f - b.f);
    const [a, b] = nodes.splice(0, 2);
    nodes.push({ f: a.f + b.f, left: a, right: b });
  }
  const codes = {};
  (function walk(node, prefix) { if (node.ch !== undefined) { codes[node.ch] = prefix || '0'; return; } walk(node.left, prefix + '0'); walk(node.right, prefix + '1'); })(nodes[0], '');
  let bits = 0;
  for (const ch of text) bits += codes[ch].length;
  console.log(bits);
}

main(1230);
