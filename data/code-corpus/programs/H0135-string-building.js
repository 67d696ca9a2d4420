function main(N) {
  const lines = [];
  for (let i = 0; i < N; i++) lines.push(`${i}:${(i * 31) % 97}:${i.toString(16)}`);
  const out = lines.join('\n').toUpperCase();
  console.log(out.length);
}

main(313272);
