const N = 555;
const cfg = { name: "demo", size: N };
console.log(JSON.stringify(cfg));
