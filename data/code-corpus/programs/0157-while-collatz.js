function main(N) {
  let longest = 0;
  let n = 1;
  while (n < N) {
    let x = n, steps = 0;
    while (x !== 1) { x = x % 2 === 0 ? x / 2 : 3 * x + 1; steps++; }
    if (steps > longest) longest = steps;
    n++;
  }
  console.log(longest);
}

main(18584);
