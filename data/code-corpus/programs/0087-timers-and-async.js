function main(K, D) {
  let ticks = 0;
  const id = setInterval(() => { ticks++; if (ticks >= K) { clearInterval(id); console.log(ticks); } }, D);
}

main(16, 2);
