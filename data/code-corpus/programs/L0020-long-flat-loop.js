function main(N) {
  let h = 0;
  for (let i = 0; i < N; i++) h = (h + i * i) % 1000003;
  console.log(h);
}

main(16928306);
