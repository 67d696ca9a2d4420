const N = 445;
const x = [1, 2, 3].map((v) => v * N);
console.log(x.join(","));
