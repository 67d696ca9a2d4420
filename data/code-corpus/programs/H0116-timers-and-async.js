const K = 17;
const D = 59;
const N = 900147;
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
