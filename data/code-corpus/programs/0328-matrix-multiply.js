function main(N) {
  const n = N;
  const A = new Float64Array(n * n).map((_, i) => i % 7), B = new Float64Array(n * n).map((_, i) => i % 5), C = new Float64Array(n * n);
  for (let i = 0; i < n; i++) for (let k = 0; k < n; k++) { const a = A[i * n + k]; for (let j = 0; j < n; j++) C[i * n + j] += a * B[k * n + j]; }
  console.log(C[n * n - 1]);
}

main(18);
