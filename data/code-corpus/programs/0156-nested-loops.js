let acc = 0;
for (let i = 0; i < 7; i++) {
  for (let j = 0; j < 7; j++) {
    for (let k = 0; k < 7; k++) {
      for (let l = 0; l < 7; l++) {
        acc += i * j % 7;
      }
    }
  }
}
console.log(acc);