const N = 23;
let moves = 0;
function hanoi(n, from, to, via) {
  if (n === 0) return;
  hanoi(n - 1, from, via, to);
  moves++;
  hanoi(n - 1, via, to, from);
}
hanoi(N, 'a', 'c', 'b');
console.log(moves);
