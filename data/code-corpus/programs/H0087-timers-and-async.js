const K = 11;
const D = 93;
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
async function main() {
  for (let i = 0; i < K; i++) await sleep(D);
  console.log('done');
}
main();
