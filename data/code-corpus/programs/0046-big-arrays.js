const a = [];
for (let i = 0; i < 568878; i++) a.push({ i, v: i * 1.5 });
console.log(a.length);