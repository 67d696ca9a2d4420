const N = 575;
const cfg = { name: "demo", size: N };
console.log(JSON.stringify(cfg));
