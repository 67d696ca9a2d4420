const options = { k: 9, d: 19 };
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
async function main() {
  for (let i = 0; i < options.k; i++) await sleep(options.d);
  console.log('done');
}
main();
