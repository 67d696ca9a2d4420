function main(N) {
  function add(a, b) { return a + b; }
  console.log(add(N, 2));
}

main(953);
