function main(K) {
  const a = 'ACGTTGCA'.repeat(K), b = 'TGCAACGT'.repeat(K);
  const dp = Array.from({ length: a.length + 1 }, () => new Uint16Array(b.length + 1));
  for (let i = 1; i <= a.length; i++) for (let j = 1; j <= b.length; j++)
    dp[i][j] = a[i - 1] === b[j - 1] ? dp[i - 1][j - 1] + 1 : Math.max(dp[i - 1][j], dp[i][j - 1]);
  console.log(dp[a.length][b.length]);
}

main(230);
