function main() {
  console.log("hello");
}

main();
