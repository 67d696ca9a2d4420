function main(C) {
  const coins = [1, 2, 5, 10, 20, 50, 100, 200];
  const ways = new Float64Array(C + 1);
  ways[0] = 1;
  for (const c of coins) for (let v = c; v <= C; v++) ways[v] += ways[v - c];
  console.log(ways[C]);
}

main(3317);
