const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
async function main() {
  for (let i = 0; i < 17; i++) await sleep(58);
  console.log('done');
}
main();