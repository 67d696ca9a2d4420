const options = { k: 18, d: 132 };
let ticks = 0;
const id = setInterval(() => { ticks++; if (ticks >= options.k) { clearInterval(id); console.log(ticks); } }, options.d);
