const N = 648;
const cfg = { name: "demo", size: N };
console.log(JSON.stringify(cfg));
