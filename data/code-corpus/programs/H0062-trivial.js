const N = 839;
function add(a, b) { return a + b; }
console.log(add(N, 2));
