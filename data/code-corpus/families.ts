/**
 * Program families for the code corpus. Each family is a real algorithm or workload written for
 * this project, with its sizes as `$NAME` placeholders; `render` (style.ts) decides how each
 * size reaches the code (a literal, a top-level constant, a function argument, or a config
 * object the analyser cannot see through), so the estimator learns from many shapes, not one.
 * Sizes are drawn so that CPU time spans about 1 ms to 2 s (a long flat loop to 5 s) and memory 0
 * to ~400 MB.
 */
import type { Draw } from './draw';

export interface Family {
  name: string;
  /** Draws sizes; returns the body with `$NAME` placeholders and the sizes to put there. */
  make(draw: Draw): { body: string; sizes: Record<string, number> };
}

export const families: Family[] = [
  {
    name: 'nested-loops',
    make(d) {
      const depth = d.int(1, 4);
      const total = d.logUniform(1e3, 2e8);
      const per = Math.max(2, Math.round(total ** (1 / depth)));
      const vars = ['i', 'j', 'k', 'l'].slice(0, depth);
      const sizes: Record<string, number> = {};
      let code = '';
      vars.forEach((v, n) => {
        const name = `N${n}`;
        sizes[name] = per;
        code += `${'  '.repeat(n)}for (let ${v} = 0; ${v} < $${name}; ${v}++) {\n`;
      });
      const op = d.pick(['acc += i * j % 7;', 'acc = (acc + Math.sqrt(i + j)) % 1e9;', 'acc ^= (i << 3) + j;', 'if ((i + j) % 3 === 0) acc++; else acc--;']);
      code += `${'  '.repeat(depth)}${depth === 1 ? op.replace(/j/g, '1') : op}\n`;
      for (let n = depth - 1; n >= 0; n--) code += `${'  '.repeat(n)}}\n`;
      return { body: `let acc = 0;\n${code}console.log(acc);`, sizes };
    },
  },
  {
    name: 'while-collatz',
    make(d) {
      return {
        body: `let longest = 0;
let n = 1;
while (n < $N) {
  let x = n, steps = 0;
  while (x !== 1) { x = x % 2 === 0 ? x / 2 : 3 * x + 1; steps++; }
  if (steps > longest) longest = steps;
  n++;
}
console.log(longest);`,
        sizes: { N: Math.round(d.logUniform(1e3, 1.5e6)) },
      };
    },
  },
  {
    name: 'fibonacci-recursive',
    make(d) {
      return {
        body: `function fib(n) {
  if (n < 2) return n;
  return fib(n - 1) + fib(n - 2);
}
console.log(fib($N));`,
        sizes: { N: d.int(12, 32) },
      };
    },
  },
  {
    name: 'fibonacci-memo-and-iterative',
    make(d) {
      return {
        body: `const memo = new Map();
function fib(n) {
  if (n < 2) return BigInt(n);
  if (memo.has(n)) return memo.get(n);
  const v = fib(n - 1) + fib(n - 2);
  memo.set(n, v);
  return v;
}
let total = 0n;
for (let r = 0; r < $R; r++) {
  memo.clear();
  for (let i = 0; i < $N; i += 50) total += fib(i) % 1000n;
}
console.log(total.toString());`,
        sizes: { N: d.int(200, 3000), R: d.int(1, 40) },
      };
    },
  },
  {
    name: 'hanoi',
    make(d) {
      return {
        body: `let moves = 0;
function hanoi(n, from, to, via) {
  if (n === 0) return;
  hanoi(n - 1, from, via, to);
  moves++;
  hanoi(n - 1, via, to, from);
}
hanoi($N, 'a', 'c', 'b');
console.log(moves);`,
        sizes: { N: d.int(8, 25) },
      };
    },
  },
  {
    name: 'ackermann-and-sum',
    make(d) {
      return {
        body: `function sum(n) { return n === 0 ? 0 : n + sum(n - 1); }
function ack(m, n) { return m === 0 ? n + 1 : n === 0 ? ack(m - 1, 1) : ack(m - 1, ack(m, n - 1)); }
let s = 0;
for (let r = 0; r < $R; r++) s += sum($N);
console.log(s, ack(2, $M));`,
        sizes: { N: d.int(100, 5000), R: d.int(1, 3000), M: d.int(1, 400) },
      };
    },
  },
  {
    name: 'bubble-insertion-sort',
    make(d) {
      const algo = d.pick(['bubble', 'insertion', 'selection']);
      const sorts: Record<string, string> = {
        bubble: `for (let i = 0; i < a.length; i++)
  for (let j = 0; j < a.length - 1 - i; j++)
    if (a[j] > a[j + 1]) { const t = a[j]; a[j] = a[j + 1]; a[j + 1] = t; }`,
        insertion: `for (let i = 1; i < a.length; i++) {
  const v = a[i];
  let j = i - 1;
  while (j >= 0 && a[j] > v) { a[j + 1] = a[j]; j--; }
  a[j + 1] = v;
}`,
        selection: `for (let i = 0; i < a.length; i++) {
  let m = i;
  for (let j = i + 1; j < a.length; j++) if (a[j] < a[m]) m = j;
  const t = a[i]; a[i] = a[m]; a[m] = t;
}`,
      };
      return {
        body: `let seed = 42;
const rand = () => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
const a = [];
for (let i = 0; i < $N; i++) a.push(Math.floor(rand() * 1e6));
${sorts[algo]}
console.log(a[0], a[a.length - 1]);`,
        sizes: { N: Math.round(d.logUniform(100, 6000)) },
      };
    },
  },
  {
    name: 'quick-merge-heap-sort',
    make(d) {
      const algo = d.pick(['quick', 'merge', 'heap']);
      const impl: Record<string, string> = {
        quick: `function sort(a, lo = 0, hi = a.length - 1) {
  while (lo < hi) {
    const p = a[(lo + hi) >> 1];
    let i = lo, j = hi;
    while (i <= j) {
      while (a[i] < p) i++;
      while (a[j] > p) j--;
      if (i <= j) { const t = a[i]; a[i] = a[j]; a[j] = t; i++; j--; }
    }
    if (j - lo < hi - i) { sort(a, lo, j); lo = i; } else { sort(a, i, hi); hi = j; }
  }
  return a;
}`,
        merge: `function sort(a) {
  if (a.length < 2) return a;
  const mid = a.length >> 1;
  const l = sort(a.slice(0, mid)), r = sort(a.slice(mid));
  const out = [];
  let i = 0, j = 0;
  while (i < l.length && j < r.length) out.push(l[i] <= r[j] ? l[i++] : r[j++]);
  while (i < l.length) out.push(l[i++]);
  while (j < r.length) out.push(r[j++]);
  return out;
}`,
        heap: `function sort(a) {
  const n = a.length;
  const sift = (i, size) => {
    for (;;) {
      let m = i; const l = 2 * i + 1, r = l + 1;
      if (l < size && a[l] > a[m]) m = l;
      if (r < size && a[r] > a[m]) m = r;
      if (m === i) return;
      const t = a[i]; a[i] = a[m]; a[m] = t; i = m;
    }
  };
  for (let i = (n >> 1) - 1; i >= 0; i--) sift(i, n);
  for (let end = n - 1; end > 0; end--) { const t = a[0]; a[0] = a[end]; a[end] = t; sift(0, end); }
  return a;
}`,
      };
      return {
        body: `${impl[algo]}
let x = 7;
const data = Array.from({ length: $N }, () => (x = (x * 48271) % 2147483647));
let checksum = 0;
for (let r = 0; r < $R; r++) {
  const sorted = sort(data.slice());
  checksum += sorted[r % sorted.length];
}
console.log(checksum);`,
        sizes: { N: Math.round(d.logUniform(1e3, algo === 'merge' ? 3e5 : 1e6)), R: d.int(1, 3) },
      };
    },
  },
  {
    name: 'builtin-sort',
    make(d) {
      const typed = d.chance(0.4);
      return {
        body: typed
          ? `const a = new Float64Array($N);
for (let i = 0; i < a.length; i++) a[i] = Math.sin(i * 12.9898) * 43758.5453 % 1;
a.sort();
console.log(a[0], a[a.length - 1]);`
          : `const words = [];
for (let i = 0; i < $N; i++) words.push({ id: i, key: ((i * 2654435761) >>> 0).toString(36) });
words.sort((p, q) => (p.key < q.key ? -1 : p.key > q.key ? 1 : 0));
console.log(words[0].key, words.length);`,
        sizes: { N: Math.round(d.logUniform(1e3, typed ? 2e6 : 6e5)) },
      };
    },
  },
  {
    name: 'binary-linear-search',
    make(d) {
      const linear = d.chance(0.4);
      return {
        body: `const sorted = new Int32Array($N);
for (let i = 0; i < sorted.length; i++) sorted[i] = i * 3;
function find(xs, v) {
${linear ? '  for (let i = 0; i < xs.length; i++) if (xs[i] === v) return i;\n  return -1;' : '  let lo = 0, hi = xs.length - 1;\n  while (lo <= hi) {\n    const mid = (lo + hi) >>> 1;\n    if (xs[mid] === v) return mid;\n    if (xs[mid] < v) lo = mid + 1; else hi = mid - 1;\n  }\n  return -1;'}
}
let hits = 0;
for (let q = 0; q < $Q; q++) if (find(sorted, (q * 7919) % ($N * 3)) >= 0) hits++;
console.log(hits);`,
        sizes: linear
          ? { N: Math.round(d.logUniform(1e3, 2e5)), Q: Math.round(d.logUniform(10, 1000)) }
          : { N: Math.round(d.logUniform(1e3, 5e6)), Q: Math.round(d.logUniform(1e3, 3e6)) },
      };
    },
  },
  {
    name: 'string-building',
    make(d) {
      const style = d.pick(['concat', 'join', 'template', 'repeat']);
      const bodies: Record<string, string> = {
        concat: `let s = '';
for (let i = 0; i < $N; i++) s += String.fromCharCode(97 + (i % 26));
let vowels = 0;
for (let i = 0; i < s.length; i++) if ('aeiou'.includes(s[i])) vowels++;
console.log(s.length, vowels);`,
        join: `const parts = [];
for (let i = 0; i < $N; i++) parts.push('item-' + i);
const text = parts.join(',');
console.log(text.split(',').filter((p) => p.endsWith('7')).length);`,
        template: `const lines = [];
for (let i = 0; i < $N; i++) lines.push(\`\${i}:\${(i * 31) % 97}:\${i.toString(16)}\`);
const out = lines.join('\\n').toUpperCase();
console.log(out.length);`,
        repeat: `const base = 'lorem ipsum dolor sit amet '.repeat($K);
let count = 0;
for (let r = 0; r < $R; r++) count += base.replace(/o/g, '0').split(' ').length;
console.log(count);`,
      };
      return {
        body: bodies[style]!,
        sizes: { N: Math.round(d.logUniform(1e3, 3e6)), K: Math.round(d.logUniform(10, 2e5)), R: d.int(1, 20) },
      };
    },
  },
  {
    name: 'string-algorithms',
    make(d) {
      const algo = d.pick(['palindromes', 'anagram', 'levenshtein', 'wordcount']);
      const bodies: Record<string, string> = {
        palindromes: `let count = 0;
for (let i = 0; i < $N; i++) {
  const s = i.toString();
  if (s === s.split('').reverse().join('')) count++;
}
console.log(count);`,
        anagram: `const groups = new Map();
for (let i = 0; i < $N; i++) {
  const w = ((i * 2654435761) >>> 0).toString(36).slice(0, 4);
  const key = w.split('').sort().join('');
  groups.set(key, (groups.get(key) || 0) + 1);
}
console.log(groups.size);`,
        levenshtein: `function lev(a, b) {
  let prev = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) cur[j] = Math.min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    prev = cur;
  }
  return prev[b.length];
}
const a = 'kitten sitting on the mat '.repeat($K);
const b = 'sitting kitten at the mall '.repeat($K);
console.log(lev(a, b));`,
        wordcount: `const words = ['alpha', 'beta', 'gamma', 'delta', 'epsilon', 'zeta', 'eta', 'theta'];
let text = '';
for (let i = 0; i < $N; i++) text += words[(i * 7) % words.length] + ' ';
const freq = {};
for (const w of text.trim().split(/\\s+/)) freq[w] = (freq[w] || 0) + 1;
console.log(Object.keys(freq).length);`,
      };
      return { body: bodies[algo]!, sizes: { N: Math.round(d.logUniform(1e3, 1e6)), K: d.int(1, 60) } };
    },
  },
  {
    name: 'json-roundtrip',
    make(d) {
      return {
        body: `function tree(depth, width) {
  if (depth === 0) return { value: depth, label: 'leaf', tags: ['a', 'b'] };
  const node = { depth, children: [] };
  for (let i = 0; i < width; i++) node.children.push(tree(depth - 1, width));
  return node;
}
const doc = tree($D, $W);
let size = 0;
for (let r = 0; r < $R; r++) {
  const text = JSON.stringify(doc);
  size += JSON.parse(text).children.length + text.length;
}
console.log(size);`,
        sizes: { D: d.int(2, 6), W: d.int(2, 6), R: d.int(1, 10) },
      };
    },
  },
  {
    name: 'allocation-churn',
    make(d) {
      const retain = d.pick([0, 0.01, 0.1, 1]);
      return {
        body: `const kept = [];
let sum = 0;
for (let i = 0; i < $N; i++) {
  const p = { x: i, y: i * 2, tags: [i % 3, i % 5], name: 'p' + (i % 100) };
  sum += p.x + p.tags.length;
  if (i % ${Math.round(1 / Math.max(retain, 1e-9))} === 0${retain === 0 ? ' && false' : ''}) kept.push(p);
}
console.log(sum, kept.length);`,
        sizes: { N: Math.round(d.logUniform(1e4, 4e6)) },
      };
    },
  },
  {
    name: 'big-arrays',
    make(d) {
      const kind = d.pick(['fill', 'objects', 'nested', 'strings', 'typed']);
      const bodies: Record<string, string> = {
        fill: 'const a = new Array($N).fill(0).map((_, i) => i * 0.5);\nconsole.log(a.reduce((s, v) => s + v, 0));',
        objects: 'const a = [];\nfor (let i = 0; i < $N; i++) a.push({ i, v: i * 1.5 });\nconsole.log(a.length);',
        nested: 'const rows = [];\nfor (let i = 0; i < $M; i++) rows.push(new Array(1000).fill(i));\nconsole.log(rows.length * rows[0].length);',
        strings: 'const a = [];\nfor (let i = 0; i < $N; i++) a.push("s-" + i + "-" + (i * 7));\nconsole.log(a.length, a[a.length - 1]);',
        typed: 'const blocks = [];\nfor (let i = 0; i < $M; i++) blocks.push(new Float64Array(125000).fill(i));\nconsole.log(blocks.length);',
      };
      return { body: bodies[kind]!, sizes: { N: Math.round(d.logUniform(1e4, 6e6)), M: Math.round(d.logUniform(2, 400)) } };
    },
  },
  {
    name: 'maps-and-sets',
    make(d) {
      return {
        body: `const m = new Map();
const seen = new Set();
for (let i = 0; i < $N; i++) {
  const k = (i * 7919) % $K;
  m.set(k, (m.get(k) || 0) + 1);
  seen.add('k' + (k % 1000));
}
let hits = 0;
for (let i = 0; i < $N; i++) if (m.has(i)) hits++;
for (const k of m.keys()) if (k % 2) m.delete(k);
console.log(m.size, seen.size, hits);`,
        sizes: { N: Math.round(d.logUniform(1e3, 2e6)), K: Math.round(d.logUniform(10, 1e6)) },
      };
    },
  },
  {
    name: 'typed-array-math',
    make(d) {
      return {
        body: `const n = $N;
const a = new Float64Array(n), b = new Float64Array(n);
for (let i = 0; i < n; i++) { a[i] = Math.sin(i); b[i] = Math.cos(i); }
let dot = 0;
for (let r = 0; r < $R; r++) for (let i = 0; i < n; i++) dot += a[i] * b[i];
console.log(dot.toFixed(3));`,
        sizes: { N: Math.round(d.logUniform(1e3, 1e7)), R: d.int(1, 30) },
      };
    },
  },
  {
    name: 'matrix-multiply',
    make(d) {
      const typed = d.chance(0.5);
      return {
        body: typed
          ? `const n = $N;
const A = new Float64Array(n * n).map((_, i) => i % 7), B = new Float64Array(n * n).map((_, i) => i % 5), C = new Float64Array(n * n);
for (let i = 0; i < n; i++) for (let k = 0; k < n; k++) { const a = A[i * n + k]; for (let j = 0; j < n; j++) C[i * n + j] += a * B[k * n + j]; }
console.log(C[n * n - 1]);`
          : `function matrix(n, f) { return Array.from({ length: n }, (_, i) => Array.from({ length: n }, (_, j) => f(i, j))); }
function multiply(a, b) {
  const n = a.length;
  const c = matrix(n, () => 0);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) { let s = 0; for (let k = 0; k < n; k++) s += a[i][k] * b[k][j]; c[i][j] = s; }
  return c;
}
const m = multiply(matrix($N, (i, j) => i + j), matrix($N, (i, j) => i - j));
console.log(m[0][0]);`,
        sizes: { N: Math.round(d.logUniform(10, 320)) },
      };
    },
  },
  {
    name: 'sieve',
    make(d) {
      return {
        body: `function sieve(limit) {
  const composite = new Uint8Array(limit + 1);
  let count = 0;
  for (let i = 2; i <= limit; i++) {
    if (composite[i]) continue;
    count++;
    for (let j = i * i; j <= limit; j += i) composite[j] = 1;
  }
  return count;
}
console.log(sieve($N));`,
        sizes: { N: Math.round(d.logUniform(1e4, 5e7)) },
      };
    },
  },
  {
    name: 'n-queens',
    make(d) {
      return {
        body: `function solve(n) {
  let count = 0;
  const cols = new Array(n).fill(false), d1 = new Array(2 * n).fill(false), d2 = new Array(2 * n).fill(false);
  function place(r) {
    if (r === n) { count++; return; }
    for (let c = 0; c < n; c++) {
      if (cols[c] || d1[r + c] || d2[r - c + n]) continue;
      cols[c] = d1[r + c] = d2[r - c + n] = true;
      place(r + 1);
      cols[c] = d1[r + c] = d2[r - c + n] = false;
    }
  }
  place(0);
  return count;
}
console.log(solve($N));`,
        sizes: { N: d.int(4, 11) },
      };
    },
  },
  {
    name: 'dynamic-programming',
    make(d) {
      const algo = d.pick(['lcs', 'knapsack', 'coins']);
      const bodies: Record<string, string> = {
        lcs: `const a = 'ACGTTGCA'.repeat($K), b = 'TGCAACGT'.repeat($K);
const dp = Array.from({ length: a.length + 1 }, () => new Uint16Array(b.length + 1));
for (let i = 1; i <= a.length; i++) for (let j = 1; j <= b.length; j++)
  dp[i][j] = a[i - 1] === b[j - 1] ? dp[i - 1][j - 1] + 1 : Math.max(dp[i - 1][j], dp[i][j - 1]);
console.log(dp[a.length][b.length]);`,
        knapsack: `const items = Array.from({ length: $N }, (_, i) => ({ w: 1 + (i * 37) % 23, v: 1 + (i * 91) % 50 }));
const best = new Float64Array($C + 1);
for (const it of items) for (let c = $C; c >= it.w; c--) best[c] = Math.max(best[c], best[c - it.w] + it.v);
console.log(best[$C]);`,
        coins: `const coins = [1, 2, 5, 10, 20, 50, 100, 200];
const ways = new Float64Array($C + 1);
ways[0] = 1;
for (const c of coins) for (let v = c; v <= $C; v++) ways[v] += ways[v - c];
console.log(ways[$C]);`,
      };
      return { body: bodies[algo]!, sizes: { K: d.int(5, 400), N: d.int(10, 1000), C: Math.round(d.logUniform(100, algo === 'knapsack' ? 1e5 : 2e6)) } };
    },
  },
  {
    name: 'graph-search',
    make(d) {
      const algo = d.pick(['bfs', 'dfs', 'dijkstra']);
      const bodies: Record<string, string> = {
        bfs: `const W = $N, H = $N;
const dist = new Int32Array(W * H).fill(-1);
const queue = [0];
dist[0] = 0;
for (let head = 0; head < queue.length; head++) {
  const v = queue[head], x = v % W, y = (v / W) | 0;
  for (const [dx, dy] of [[1, 0], [-1, 0], [0, 1], [0, -1]]) {
    const nx = x + dx, ny = y + dy;
    if (nx < 0 || ny < 0 || nx >= W || ny >= H || (nx * 7 + ny * 13) % 11 === 0) continue;
    const u = ny * W + nx;
    if (dist[u] < 0) { dist[u] = dist[v] + 1; queue.push(u); }
  }
}
console.log(dist[W * H - 1]);`,
        dfs: `const n = $N * $N;
const adj = Array.from({ length: n }, (_, v) => [(v + 1) % n, (v * 7 + 3) % n, (v * 13 + 5) % n]);
const seen = new Uint8Array(n);
const stack = [0];
let visited = 0;
while (stack.length) {
  const v = stack.pop();
  if (seen[v]) continue;
  seen[v] = 1; visited++;
  for (const u of adj[v]) if (!seen[u]) stack.push(u);
}
console.log(visited);`,
        dijkstra: `class Heap {
  constructor() { this.items = []; }
  push(d, v) { const a = this.items; a.push([d, v]); let i = a.length - 1; while (i > 0) { const p = (i - 1) >> 1; if (a[p][0] <= a[i][0]) break; [a[p], a[i]] = [a[i], a[p]]; i = p; } }
  pop() { const a = this.items; const top = a[0]; const last = a.pop(); if (a.length) { a[0] = last; let i = 0; for (;;) { let m = i; const l = 2 * i + 1, r = l + 1; if (l < a.length && a[l][0] < a[m][0]) m = l; if (r < a.length && a[r][0] < a[m][0]) m = r; if (m === i) break; [a[m], a[i]] = [a[i], a[m]]; i = m; } } return top; }
  get size() { return this.items.length; }
}
const n = $N * $N;
const dist = new Float64Array(n).fill(Infinity);
const heap = new Heap();
dist[0] = 0; heap.push(0, 0);
while (heap.size) {
  const [d, v] = heap.pop();
  if (d > dist[v]) continue;
  for (const u of [(v + 1) % n, (v + $N) % n, (v * 3 + 1) % n]) {
    const nd = d + 1 + ((v ^ u) % 5);
    if (nd < dist[u]) { dist[u] = nd; heap.push(nd, u); }
  }
}
console.log(dist[n - 1]);`,
      };
      return { body: bodies[algo]!, sizes: { N: Math.round(d.logUniform(20, 1200)) } };
    },
  },
  {
    name: 'timers-and-async',
    make(d) {
      const shape = d.pick(['sequential', 'parallel', 'interval', 'mixed']);
      const bodies: Record<string, string> = {
        sequential: `const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
async function main() {
  for (let i = 0; i < $K; i++) await sleep($D);
  console.log('done');
}
main();`,
        parallel: `const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
async function main() {
  const jobs = [];
  for (let i = 0; i < $K; i++) jobs.push(sleep($D + i));
  await Promise.all(jobs);
  console.log(jobs.length);
}
main();`,
        interval: `let ticks = 0;
const id = setInterval(() => { ticks++; if (ticks >= $K) { clearInterval(id); console.log(ticks); } }, $D);`,
        mixed: `const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
async function main() {
  let acc = 0;
  for (let i = 0; i < $K; i++) {
    for (let j = 0; j < $N; j++) acc += Math.sqrt(j);
    await sleep($D);
  }
  console.log(acc);
}
main();`,
      };
      return { body: bodies[shape]!, sizes: { K: d.int(1, 20), D: Math.round(d.logUniform(1, 200)), N: Math.round(d.logUniform(1e3, 3e6)) } };
    },
  },
  {
    name: 'mandelbrot',
    make(d) {
      return {
        body: `let inside = 0;
for (let py = 0; py < $H; py++) {
  for (let px = 0; px < $W; px++) {
    const cx = (px / $W) * 3.5 - 2.5, cy = (py / $H) * 2 - 1;
    let x = 0, y = 0, i = 0;
    while (x * x + y * y < 4 && i < $I) { const t = x * x - y * y + cx; y = 2 * x * y + cy; x = t; i++; }
    if (i === $I) inside++;
  }
}
console.log(inside);`,
        sizes: { W: Math.round(d.logUniform(20, 600)), H: Math.round(d.logUniform(20, 400)), I: Math.round(d.logUniform(10, 500)) },
      };
    },
  },
  {
    name: 'nbody',
    make(d) {
      return {
        body: `class Body {
  constructor(x, y, z, m) { this.x = x; this.y = y; this.z = z; this.vx = 0; this.vy = 0; this.vz = 0; this.m = m; }
}
const bodies = Array.from({ length: $B }, (_, i) => new Body(Math.cos(i), Math.sin(i), i * 0.1, 1 + (i % 3)));
function step(dt) {
  for (let i = 0; i < bodies.length; i++) {
    const a = bodies[i];
    for (let j = i + 1; j < bodies.length; j++) {
      const b = bodies[j];
      const dx = a.x - b.x, dy = a.y - b.y, dz = a.z - b.z;
      const d2 = dx * dx + dy * dy + dz * dz + 0.01, mag = dt / (d2 * Math.sqrt(d2));
      a.vx -= dx * b.m * mag; a.vy -= dy * b.m * mag; a.vz -= dz * b.m * mag;
      b.vx += dx * a.m * mag; b.vy += dy * a.m * mag; b.vz += dz * a.m * mag;
    }
  }
  for (const b of bodies) { b.x += dt * b.vx; b.y += dt * b.vy; b.z += dt * b.vz; }
}
for (let s = 0; s < $S; s++) step(0.01);
console.log(bodies[0].x.toFixed(6));`,
        sizes: { B: d.int(3, 200), S: Math.round(d.logUniform(10, 3000)) },
      };
    },
  },
  {
    name: 'higher-order-pipelines',
    make(d) {
      return {
        body: `const xs = Array.from({ length: $N }, (_, i) => i);
let total = 0;
for (let r = 0; r < $R; r++) {
  total += xs.map((x) => x * 3).filter((x) => x % 2 === 0).reduce((s, x) => s + x, 0);
  if (xs.some((x) => x === r)) total++;
}
console.log(total);`,
        sizes: { N: Math.round(d.logUniform(1e3, 2e6)), R: d.int(1, 10) },
      };
    },
  },
  {
    name: 'hashing',
    make(d) {
      return {
        body: `const table = new Uint32Array(256);
for (let i = 0; i < 256; i++) { let c = i; for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1; table[i] = c >>> 0; }
function crc32(bytes) { let c = 0xffffffff; for (let i = 0; i < bytes.length; i++) c = table[(c ^ bytes[i]) & 0xff] ^ (c >>> 8); return (c ^ 0xffffffff) >>> 0; }
function fnv(s) { let h = 2166136261; for (let i = 0; i < s.length; i++) { h ^= s.charCodeAt(i); h = Math.imul(h, 16777619); } return h >>> 0; }
const data = new Uint8Array($N).map((_, i) => (i * 31) & 255);
let acc = 0;
for (let r = 0; r < $R; r++) acc ^= crc32(data) ^ fnv('block-' + r);
console.log(acc);`,
        sizes: { N: Math.round(d.logUniform(1e3, 2e7)), R: d.int(1, 10) },
      };
    },
  },
  {
    name: 'bigint-and-generators',
    make(d) {
      const kind = d.pick(['factorial', 'generator']);
      return {
        body: kind === 'factorial'
          ? `let f = 1n;
for (let i = 1n; i <= $NN; i++) f *= i;
console.log(f.toString().length);`
          : `function* range(n) { for (let i = 0; i < n; i++) yield i; }
function* squares(it) { for (const x of it) yield x * x; }
let s = 0;
for (const v of squares(range($N))) s += v % 1000;
console.log(s);`,
        sizes: kind === 'factorial' ? { NN: Math.round(d.logUniform(100, 12000)) } : { N: Math.round(d.logUniform(1e3, 4e6)) } as Record<string, number>,
      };
    },
  },
  {
    name: 'exceptions-and-regex',
    make(d) {
      return {
        body: `const re = /^(\\w+)@(\\w+)\\.(com|org|net)$/;
let ok = 0, bad = 0;
for (let i = 0; i < $N; i++) {
  const s = i % 3 ? 'user' + i + '@host' + (i % 10) + '.com' : 'broken-' + i;
  try {
    if (!re.test(s)) throw new Error('bad address ' + s);
    ok++;
  } catch (e) {
    bad++;
  }
}
console.log(ok, bad);`,
        sizes: { N: Math.round(d.logUniform(1e3, 1e6)) },
      };
    },
  },
  {
    name: 'classic-kernels',
    make(d) {
      const kind = d.pick(['life', 'kmeans', 'huffman', 'sudoku', 'raytrace', 'base64', 'interpreter', 'lru']);
      const bodies: Record<string, string> = {
        life: `const n = $N;
let grid = new Uint8Array(n * n).map((_, i) => ((i * 2654435761) >>> 28) & 1);
for (let gen = 0; gen < $G; gen++) {
  const next = new Uint8Array(n * n);
  for (let y = 0; y < n; y++) for (let x = 0; x < n; x++) {
    let live = 0;
    for (let dy = -1; dy <= 1; dy++) for (let dx = -1; dx <= 1; dx++) if (dx || dy) live += grid[((y + dy + n) % n) * n + ((x + dx + n) % n)];
    const alive = grid[y * n + x];
    next[y * n + x] = live === 3 || (alive && live === 2) ? 1 : 0;
  }
  grid = next;
}
console.log(grid.reduce((s, v) => s + v, 0));`,
        kmeans: `const points = Array.from({ length: $N }, (_, i) => [Math.sin(i) * 10 + (i % 3) * 20, Math.cos(i * 1.3) * 10]);
let centers = points.slice(0, $K).map((p) => p.slice());
for (let iter = 0; iter < $G; iter++) {
  const sums = centers.map(() => [0, 0, 0]);
  for (const p of points) {
    let best = 0, bestD = Infinity;
    centers.forEach((c, i) => { const dd = (p[0] - c[0]) ** 2 + (p[1] - c[1]) ** 2; if (dd < bestD) { bestD = dd; best = i; } });
    sums[best][0] += p[0]; sums[best][1] += p[1]; sums[best][2]++;
  }
  centers = sums.map((s, i) => (s[2] ? [s[0] / s[2], s[1] / s[2]] : centers[i]));
}
console.log(centers.length);`,
        huffman: `const text = 'the quick brown fox jumps over the lazy dog '.repeat($K);
const freq = new Map();
for (const ch of text) freq.set(ch, (freq.get(ch) || 0) + 1);
let nodes = [...freq].map(([ch, f]) => ({ ch, f }));
while (nodes.length > 1) {
  nodes.sort((a, b) => a.f - b.f);
  const [a, b] = nodes.splice(0, 2);
  nodes.push({ f: a.f + b.f, left: a, right: b });
}
const codes = {};
(function walk(node, prefix) { if (node.ch !== undefined) { codes[node.ch] = prefix || '0'; return; } walk(node.left, prefix + '0'); walk(node.right, prefix + '1'); })(nodes[0], '');
let bits = 0;
for (const ch of text) bits += codes[ch].length;
console.log(bits);`,
        sudoku: `const puzzle = '530070000600195000098000060800060003400803001700020006060000280000419005000080079';
function solve(b) {
  const i = b.indexOf(0);
  if (i < 0) return true;
  const r = Math.floor(i / 9), c = i % 9;
  for (let v = 1; v <= 9; v++) {
    let ok = true;
    for (let k = 0; k < 9 && ok; k++) {
      if (b[r * 9 + k] === v || b[k * 9 + c] === v) ok = false;
      const br = 3 * Math.floor(r / 3) + Math.floor(k / 3), bc = 3 * Math.floor(c / 3) + (k % 3);
      if (b[br * 9 + bc] === v) ok = false;
    }
    if (!ok) continue;
    b[i] = v;
    if (solve(b)) return true;
    b[i] = 0;
  }
  return false;
}
let solved = 0;
for (let r = 0; r < $R; r++) { const b = puzzle.split('').map(Number); if (solve(b)) solved++; }
console.log(solved);`,
        raytrace: `const spheres = Array.from({ length: $K }, (_, i) => ({ x: (i % 5) - 2, y: Math.floor(i / 5) - 1, z: 5 + (i % 3), r: 0.6 }));
let hits = 0;
for (let py = 0; py < $N; py++) for (let px = 0; px < $N; px++) {
  const dx = px / $N - 0.5, dy = py / $N - 0.5, dz = 1, len = Math.hypot(dx, dy, dz);
  let nearest = Infinity;
  for (const s of spheres) {
    const b = (dx * s.x + dy * s.y + dz * s.z) / len, c = s.x * s.x + s.y * s.y + s.z * s.z - s.r * s.r, disc = b * b - c;
    if (disc >= 0) { const t = b - Math.sqrt(disc); if (t > 0 && t < nearest) nearest = t; }
  }
  if (nearest < Infinity) hits++;
}
console.log(hits);`,
        base64: `const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
function encode(bytes) {
  let out = '';
  for (let i = 0; i < bytes.length; i += 3) {
    const n = (bytes[i] << 16) | ((bytes[i + 1] || 0) << 8) | (bytes[i + 2] || 0);
    out += alphabet[(n >> 18) & 63] + alphabet[(n >> 12) & 63] + alphabet[(n >> 6) & 63] + alphabet[n & 63];
  }
  return out;
}
const data = new Uint8Array($N).map((_, i) => (i * 7) & 255);
let length = 0;
for (let r = 0; r < $R; r++) length += encode(data).length;
console.log(length);`,
        interpreter: `const program = [['push', 1], ['store', 0], ['load', 0], ['push', 1], ['add'], ['store', 0], ['load', 0], ['push', $N], ['lt'], ['jnz', 2], ['load', 0], ['print']];
function run(code) {
  const stack = [], mem = [0];
  let pc = 0, out = null;
  while (pc < code.length) {
    const [op, arg] = code[pc++];
    switch (op) {
      case 'push': stack.push(arg); break;
      case 'store': mem[arg] = stack.pop(); break;
      case 'load': stack.push(mem[arg]); break;
      case 'add': stack.push(stack.pop() + stack.pop()); break;
      case 'lt': { const b = stack.pop(), a = stack.pop(); stack.push(a < b ? 1 : 0); break; }
      case 'jnz': if (stack.pop()) pc = arg; break;
      case 'print': out = stack.pop(); break;
    }
  }
  return out;
}
console.log(run(program));`,
        lru: `class LRU {
  constructor(cap) { this.cap = cap; this.map = new Map(); }
  get(k) { if (!this.map.has(k)) return undefined; const v = this.map.get(k); this.map.delete(k); this.map.set(k, v); return v; }
  set(k, v) { this.map.delete(k); this.map.set(k, v); if (this.map.size > this.cap) this.map.delete(this.map.keys().next().value); }
}
const cache = new LRU($K);
let hits = 0;
for (let i = 0; i < $N; i++) { const k = (i * i) % ($K * 2); if (cache.get(k) !== undefined) hits++; else cache.set(k, { k, payload: 'v' + k }); }
console.log(hits);`,
      };
      const sizes: Record<string, Record<string, number>> = {
        life: { N: d.int(16, 300), G: d.int(1, 60) },
        kmeans: { N: Math.round(d.logUniform(100, 2e5)), K: d.int(2, 12), G: d.int(1, 20) },
        huffman: { K: Math.round(d.logUniform(10, 5e4)) },
        sudoku: { R: d.int(1, 40) },
        raytrace: { N: Math.round(d.logUniform(20, 700)), K: d.int(1, 15) },
        base64: { N: Math.round(d.logUniform(1e3, 3e6)), R: d.int(1, 5) },
        interpreter: { N: Math.round(d.logUniform(100, 3e6)) },
        lru: { K: Math.round(d.logUniform(10, 1e5)), N: Math.round(d.logUniform(1e3, 2e6)) },
      };
      return { body: bodies[kind]!, sizes: sizes[kind]! };
    },
  },
  {
    name: 'trivial',
    make(d) {
      return {
        body: d.pick([
          'console.log("hello");',
          'const x = [1, 2, 3].map((v) => v * $N);\nconsole.log(x.join(","));',
          'function add(a, b) { return a + b; }\nconsole.log(add($N, 2));',
          'const cfg = { name: "demo", size: $N };\nconsole.log(JSON.stringify(cfg));',
        ]),
        sizes: { N: d.int(1, 1000) },
      };
    },
  },
];

/**
 * Drawn only by a batch that names it, so adding it left every program of the batches that take
 * `families` in turn as it was.
 *
 * A batch job's shape: one flat loop of cheap arithmetic run many times. Without it the
 * corpus' only loops of 1e7+ trips were the sieve's, whose estimated operations overcount its
 * work tenfold, so a long flat loop was read as a sieve and underestimated as much. It holds
 * no data: memory's shapes are the array families'.
 */
const longFlatLoop: Family = {
  name: 'long-flat-loop',
  make(d) {
    const step = d.pick([
      'h = (h * 31 + i) | 0;',
      'h += Math.sqrt(i);',
      'if (i % 3 === 0) h++;',
      'h = (h + ((i & 255) ^ (h >>> 3))) | 0;',
      'h = (h * 1103515245 + 12345) % 2147483648;',
      'h = (h + i * i) % 1000003;',
    ]);
    const loop = d.chance(0.7)
      ? `for (let i = 0; i < $N; i++) ${step}`
      : `let i = 0;\nwhile (i < $N) {\n  ${step}\n  i++;\n}`;
    return { body: `let h = 0;\n${loop}\nconsole.log(h);`, sizes: { N: Math.round(d.logUniform(1e4, 2e8)) } };
  },
};

/** Families only a batch naming them draws (Batch.family), each added after the corpus was first generated. */
export const namedOnlyFamilies: Family[] = [longFlatLoop];
