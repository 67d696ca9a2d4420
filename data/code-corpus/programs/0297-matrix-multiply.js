function main(N) {
  function matrix(n, f) { return Array.from({ length: n }, (_, i) => Array.from({ length: n }, (_, j) => f(i, j))); }
  function multiply(a, b) {
    const n = a.length;
    const c = matrix(n, () => 0);
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) { let s = 0; for (let k = 0; k < n; k++) s += a[i][k] * b[k][j]; c[i][j] = s; }
    return c;
  }
  const m = multiply(matrix(N, (i, j) => i + j), matrix(N, (i, j) => i - j));
  console.log(m[0][0]);
}

main(31);
