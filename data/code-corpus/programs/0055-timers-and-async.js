let ticks = 0;
const id = setInterval(() => { ticks++; if (ticks >= 8) { clearInterval(id); console.log(ticks); } }, 62);