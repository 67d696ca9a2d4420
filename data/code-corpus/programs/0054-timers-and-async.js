function main(K, D, N) {
  const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
  async function main() {
    let acc = 0;
    for (let i = 0; i < K; i++) {
      for (let j = 0; j < N; j++) acc += Math.sqrt(j);
      await sleep(D);
    }
    console.log(acc);
  }
  main();
}

main(2, 2, 4006);
