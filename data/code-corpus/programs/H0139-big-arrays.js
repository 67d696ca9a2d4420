function main(M) {
  const rows = [];
  for (let i = 0; i < M; i++) rows.push(new Array(1000).fill(i));
  console.log(rows.length * rows[0].length);
}

main(71);
