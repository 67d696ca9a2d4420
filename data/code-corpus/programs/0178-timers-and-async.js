const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
async function main() {
  const jobs = [];
  for (let i = 0; i < 17; i++) jobs.push(sleep(144 + i));
  await Promise.all(jobs);
  console.log(jobs.length);
}
main();