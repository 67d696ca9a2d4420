const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
async function main() {
  let acc = 0;
  for (let i = 0; i < 19; i++) {
    for (let j = 0; j < 2734; j++) acc += Math.sqrt(j);
    await sleep(4);
  }
  console.log(acc);
}
main();