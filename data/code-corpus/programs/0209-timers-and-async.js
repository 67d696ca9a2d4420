function main(K, D) {
  const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
  async function main() {
    for (let i = 0; i < K; i++) await sleep(D);
    console.log('done');
  }
  main();
}

main(2, 22);
