function main(N, R) {
  const memo = new Map();
  function fib(n) {
    if (n < 2) return BigInt(n);
    if (memo.has(n)) return memo.get(n);
    const v = fib(n - 1) + fib(n - 2);
    memo.set(n, v);
    return v;
  }
  let total = 0n;
  for (let r = 0; r < R; r++) {
    memo.clear();
    for (let i = 0; i < N; i += 50) total += fib(i) % 1000n;
  }
  console.log(total.toString());
}

main(1337, 40);
