const N = 506;
const x = [1, 2, 3].map((v) => v * N);
console.log(x.join(","));
