const K = 19;
const D = 22;
const N = 1475201;
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
