const a = new Float64Array(1217466);
for (let i = 0; i < a.length; i++) a[i] = Math.sin(i * 12.9898) * 43758.5453 % 1;
a.sort();
console.log(a[0], a[a.length - 1]);