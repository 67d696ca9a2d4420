const K = 8;
const D = 200;
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
async function main() {
  for (let i = 0; i < K; i++) await sleep(D);
  console.log('done');
}
main();
