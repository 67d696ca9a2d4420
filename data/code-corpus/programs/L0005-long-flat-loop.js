function main(N) {
  let h = 0;
  for (let i = 0; i < N; i++) h += Math.sqrt(i);
  console.log(h);
}

main(171123);
