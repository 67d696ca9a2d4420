function main(N) {
  const a = [];
  for (let i = 0; i < N; i++) a.push({ i, v: i * 1.5 });
  console.log(a.length);
}

main(3802751);
