const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
async function main() {
  for (let i = 0; i < 19; i++) await sleep(15);
  console.log('done');
}
main();