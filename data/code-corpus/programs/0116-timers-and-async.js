const options = { k: 1, d: 6, n: 825278 };
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
async function main() {
  let acc = 0;
  for (let i = 0; i < options.k; i++) {
    for (let j = 0; j < options.n; j++) acc += Math.sqrt(j);
    await sleep(options.d);
  }
  console.log(acc);
}
main();
