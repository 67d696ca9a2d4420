const K = 13;
const D = 3;
let ticks = 0;
const id = setInterval(() => { ticks++; if (ticks >= K) { clearInterval(id); console.log(ticks); } }, D);
