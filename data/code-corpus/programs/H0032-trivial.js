const x = [1, 2, 3].map((v) => v * 756);
console.log(x.join(","));