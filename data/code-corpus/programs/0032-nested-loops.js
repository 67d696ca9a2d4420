let acc = 0;
for (let i = 0; i < 2571; i++) {
  for (let j = 0; j < 2571; j++) {
    if ((i + j) % 3 === 0) acc++; else acc--;
  }
}
console.log(acc);