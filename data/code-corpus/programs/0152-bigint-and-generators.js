function main(N) {
  function* range(n) { for (let i = 0; i < n; i++) yield i; }
  function* squares(it) { for (const x of it) yield x * x; }
  let s = 0;
  for (const v of squares(range(N))) s += v % 1000;
  console.log(s);
}

main(2114);
