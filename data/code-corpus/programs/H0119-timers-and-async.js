const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
async function main() {
  let acc = 0;
  for (let i = 0; i < 16; i++) {
    for (let j = 0; j < 460110; j++) acc += Math.sqrt(j);
    await sleep(58);
  }
  console.log(acc);
}
main();