let acc = 0;
for (let i = 0; i < 63; i++) {
  for (let j = 0; j < 63; j++) {
    for (let k = 0; k < 63; k++) {
      for (let l = 0; l < 63; l++) {
        acc += i * j % 7;
      }
    }
  }
}
console.log(acc);