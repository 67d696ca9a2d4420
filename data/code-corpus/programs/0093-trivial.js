const N = 608;
const cfg = { name: "demo", size: N };
console.log(JSON.stringify(cfg));
