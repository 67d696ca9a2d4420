function main(N) {
  const cfg = { name: "demo", size: N };
  console.log(JSON.stringify(cfg));
}

main(515);
