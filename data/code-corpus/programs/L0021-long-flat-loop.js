function main(N) {
  let h = 0;
  for (let i = 0; i < N; i++) h = (h * 31 + i) | 0;
  console.log(h);
}

main(46258);
