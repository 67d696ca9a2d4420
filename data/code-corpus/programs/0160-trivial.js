const N = 23;
const cfg = { name: "demo", size: N };
console.log(JSON.stringify(cfg));
