function main(N) {
  const x = [1, 2, 3].map((v) => v * N);
  console.log(x.join(","));
}

main(638);
