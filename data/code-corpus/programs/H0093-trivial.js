const N = 832;
const cfg = { name: "demo", size: N };
console.log(JSON.stringify(cfg));
