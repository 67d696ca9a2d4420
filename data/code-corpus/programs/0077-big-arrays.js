const a = new Array(4481559).fill(0).map((_, i) => i * 0.5);
console.log(a.reduce((s, v) => s + v, 0));