const N = 425;
const cfg = { name: "demo", size: N };
console.log(JSON.stringify(cfg));
