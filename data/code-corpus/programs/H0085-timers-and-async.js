const K = 17;
const D = 20;
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
async function main() {
  const jobs = [];
  for (let i = 0; i < K; i++) jobs.push(sleep(D + i));
  await Promise.all(jobs);
  console.log(jobs.length);
}
main();
