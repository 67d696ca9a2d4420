function main(N) {
  const a = [];
  for (let i = 0; i < N; i++) a.push("s-" + i + "-" + (i * 7));
  console.log(a.length, a[a.length - 1]);
}

main(106336);
