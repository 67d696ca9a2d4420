function main(N) {
  let seed = 42;
  const rand = () => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
  const a = [];
  for (let i = 0; i < N; i++) a.push(Math.floor(rand() * 1e6));
  for (let i = 0; i < a.length; i++) {
    let m = i;
    for (let j = i + 1; j < a.length; j++) if (a[j] < a[m]) m = j;
    const t = a[i]; a[i] = a[m]; a[m] = t;
  }
  console.log(a[0], a[a.length - 1]);
}

main(1412);
