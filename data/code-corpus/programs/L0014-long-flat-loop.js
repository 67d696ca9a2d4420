function main(N) {
  let h = 0;
  for (let i = 0; i < N; i++) h = (h + ((i & 255) ^ (h >>> 3))) | 0;
  console.log(h);
}

main(9187945);
