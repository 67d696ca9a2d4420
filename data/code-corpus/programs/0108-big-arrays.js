function main(N) {
  const a = new Array(N).fill(0).map((_, i) => i * 0.5);
  console.log(a.reduce((s, v) => s + v, 0));
}

main(25387);
