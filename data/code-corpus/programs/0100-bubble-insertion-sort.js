function main(N) {
  let seed = 42;
  const rand = () => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
  const a = [];
  for (let i = 0; i < N; i++) a.push(Math.floor(rand() * 1e6));
  for (let i = 0; i < a.length; i++)
    for (let j = 0; j < a.length - 1 - i; j++)
      if (a[j] > a[j + 1]) { const t = a[j]; a[j] = a[j + 1]; a[j + 1] = t; }
  console.log(a[0], a[a.length - 1]);
}

main(967);
