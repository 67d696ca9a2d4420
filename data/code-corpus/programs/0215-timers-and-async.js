const K = 8;
const D = 2;
let ticks = 0;
const id = setInterval(() => { ticks++; if (ticks >= K) { clearInterval(id); console.log(ticks); } }, D);
