function main(K, R) {
  const base = 'lorem ipsum dolor sit amet '.repeat(K);
  let count = 0;
  for (let r = 0; r < R; r++) count += base.replace(/o/g, '0').split(' ').length;
  console.log(count);
}

main(112, 3);
