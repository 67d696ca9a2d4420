const a = new Array(1165302).fill(0).map((_, i) => i * 0.5);
console.log(a.reduce((s, v) => s + v, 0));