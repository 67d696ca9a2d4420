import { createAnalyzer } from '../../../models/code/analyzer';

const analyzer = createAnalyzer();

describe('features', () => {
  test('counts loops, nesting and resolves constant loop bounds', () => {
    const f = analyzer.analyze(`
      const N = 1000;
      let s = 0;
      for (let i = 0; i < N; i++) {
        for (let j = 0; j < N; j += 2) s += i * j;
      }
      console.log(s);`);
    expect(f.parsed).toBe(true);
    expect(f.loops).toBe(2);
    expect(f.maxLoopDepth).toBe(2);
    expect(f.maxLoopBound).toBe(1000);
    expect(f.unboundedLoops).toBe(0);
    expect(f.cyclomatic).toBe(3);
    expect(f.estimatedOps).toBeGreaterThan(500 * 1000);
    expect(f.estimatedOps).toBeLessThan(50 * 1000 * 1000);
  });

  test('follows constant arguments into function parameters', () => {
    const direct = analyzer.analyze('function run(n) { let s = 0; for (let i = 0; i < n; i++) s += i; return s; }\nrun(100000);');
    const small = analyzer.analyze('function run(n) { let s = 0; for (let i = 0; i < n; i++) s += i; return s; }\nrun(100);');
    expect(direct.maxLoopBound).toBe(100000);
    expect(direct.estimatedOps / small.estimatedOps).toBeGreaterThan(500);
  });

  test('multiplies work through calls made inside loops', () => {
    const f = analyzer.analyze(`
      function inner() { let x = 0; for (let k = 0; k < 100; k++) x += k; return x; }
      for (let i = 0; i < 1000; i++) inner();`);
    expect(f.maxLoopDepth).toBe(2);
    expect(f.estimatedOps).toBeGreaterThan(100 * 1000);
  });

  test('finds direct and mutual recursion with branching and starting argument', () => {
    const fib = analyzer.analyze('function fib(n) { return n < 2 ? n : fib(n - 1) + fib(n - 2); }\nconsole.log(fib(25));');
    expect(fib).toMatchObject({ recursiveFunctions: 1, mutualRecursion: false, recursionBranching: 2, recursionArgument: 25 });
    const mutual = analyzer.analyze('function even(n) { return n === 0 || odd(n - 1); }\nfunction odd(n) { return n !== 0 && even(n - 1); }\neven(10);');
    expect(mutual).toMatchObject({ recursiveFunctions: 2, mutualRecursion: true });
    expect(fib.estimatedOps).toBeGreaterThan(analyzer.analyze('function fib(n) { return n < 2 ? n : fib(n - 1) + fib(n - 2); }\nfib(10);').estimatedOps * 100);
  });

  test('counts imports and tells external packages from built-ins and relative paths', () => {
    const f = analyzer.analyze(`import fs from 'node:fs';\nimport _ from 'lodash';\nimport x from './local';\nconst path = require('path');\nconst y = require('left-pad');`);
    expect(f.imports).toBe(5);
    expect(f.externalImports).toBe(2);
  });

  test('sees literal sizes, allocations, typed arrays, maps, JSON, sorting and callbacks', () => {
    const f = analyzer.analyze(`
      const xs = Array.from({ length: 5000 }, (_, i) => i);
      const big = new Float64Array(1 << 16);
      const m = new Map(); const s = new Set();
      const text = JSON.stringify(xs.map((x) => x * 2).filter((x) => x % 3));
      JSON.parse(text);
      xs.sort((a, b) => b - a);
      const words = ['a', 'b', 'c', 'd'];
      const msg = 'hello world';`);
    expect(f.maxAllocationSize).toBe(65536);
    expect(f.typedArrays).toBe(1);
    expect(f.mapsAndSets).toBe(2);
    expect(f.jsonCalls).toBe(2);
    expect(f.sortCalls).toBe(1);
    expect(f.higherOrderCalls).toBe(2);
    expect(f.maxArrayLiteral).toBe(4);
    expect(f.maxStringLiteral).toBe(11);
    // The map callback runs once per element of a 5000-long array.
    expect(f.estimatedOps).toBeGreaterThan(5000);
  });

  test('sees async functions, awaits, promises and timer delays', () => {
    const f = analyzer.analyze(`
      const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
      async function main() { for (let i = 0; i < 10; i++) await sleep(50); }
      main();
      setTimeout(() => {}, 200);`);
    expect(f.asyncFunctions).toBe(1);
    expect(f.awaits).toBe(1);
    expect(f.promises).toBeGreaterThanOrEqual(1);
    expect(f.timers).toBe(2);
    expect(f.estimatedTimerDelayMs).toBeGreaterThanOrEqual(200);
  });

  test('parses TypeScript', () => {
    const f = analyzer.analyze('interface P { x: number }\nconst f = (p: P): number => p.x * 2;\nfor (let i = 0; i <= 10; i += 2) f({ x: i });');
    expect(f.parsed).toBe(true);
    expect(f.maxLoopBound).toBe(6);
  });

  test('counts lines of code without blanks and comments', () => {
    const f = analyzer.analyze('// header\n\nconst a = 1; // trailing\n/* block\n   comment */\nconst b = 2;\n');
    expect(f.loc).toBe(2);
    expect(f.lines).toBe(7);
  });
});

describe('hostile input', () => {
  test('a parse error yields unparsed features with the reason, not an exception', () => {
    const f = analyzer.analyze('let = = ;');
    expect(f.parsed).toBe(false);
    expect(f.reason).toMatch(/parse error/);
    expect(f.estimatedOps).toBe(0);
  });

  test('code over the size limit is refused with the reason', () => {
    const small = createAnalyzer({ maxBytes: 1000 });
    const f = small.analyze(`const s = '${'x'.repeat(2000)}';`);
    expect(f).toMatchObject({ parsed: false });
    expect(f.reason).toMatch(/over the 1000-byte limit/);
  });

  test('deep bracket nesting is refused before the parser sees it', () => {
    const f = analyzer.analyze(`${'['.repeat(100000)}${']'.repeat(100000)}`);
    expect(f.parsed).toBe(false);
    expect(f.reason).toMatch(/nest deeper/);
  });

  test('deep operator chains that overflow the parser are reported, not thrown', () => {
    const f = analyzer.analyze(new Array(30000).fill('a').join('+'));
    expect(f.parsed).toBe(false);
    expect(f.reason).toMatch(/too deeply|deeper/);
  });

  test('long flat code within the limits is analysed by the iterative walker', () => {
    const f = analyzer.analyze(new Array(1000).fill('a = a + 1;').join('\n'));
    expect(f.parsed).toBe(true);
    expect(f.loc).toBe(1000);
  });

  test('brackets inside strings, templates and comments do not count as nesting', () => {
    const f = createAnalyzer({ maxNesting: 5 }).analyze(`const s = "${'('.repeat(50)}"; // ${'{'.repeat(50)}\nconst t = \`${'['.repeat(50)}\${1}\`;`);
    expect(f.parsed).toBe(true);
  });

  test('bad options are rejected', () => {
    expect(() => createAnalyzer({ maxBytes: 0 })).toThrow(/maxBytes/);
    expect(() => createAnalyzer({ maxNesting: -1 })).toThrow(/maxNesting/);
  });
});

test('a long source is cached too, by its digest, apart from the short ones', () => {
  const a = createAnalyzer({ cacheSize: 1 });
  const long = `let s = 0;\n${'s += 1;\n'.repeat(1000)}console.log(s);`;
  expect(long.length).toBeGreaterThan(4096);
  const first = a.analyze(long);
  expect(a.analyze('const x = 1;').lines).toBe(1); // a short source fills the other cache
  expect(a.analyze(long)).toBe(first);
  expect(a.analyze(`${long} `)).not.toBe(first);
});

test('results are cached by source', () => {
  const a = createAnalyzer({ cacheSize: 2 });
  const first = a.analyze('const x = 1;');
  expect(a.analyze('const x = 1;')).toBe(first);
  a.analyze('const y = 2;');
  a.analyze('const z = 3;');
  expect(a.analyze('const x = 1;')).not.toBe(first);
  expect(a.analyze('const x = 1;')).toEqual(first);
});

test('sizes defaulted from the command line are folded to their default', () => {
  const f = analyzer.analyze('const n = +process.argv[2] || 5000;\nconst m = parseInt(process.argv[3]) || 200;\nfor (let i = 0; i < n; i++) for (let j = 0; j < m; j++);');
  expect(f.maxLoopBound).toBe(5000);
  expect(f.estimatedOps).toBeGreaterThan(5000 * 200);
});

describe('work estimates of common benchmark shapes', () => {
  test('an array filled by push in a loop is as long as the loop runs, not empty', () => {
    const fill = (n: number) => analyzer.analyze(`const a = [];\nfor (let i = 0; i < ${n}; i++) a.push(i * 2);\nlet s = 0;\nfor (const x of a) for (let k = 0; k < 100; k++) s += x;\nconsole.log(s);`);
    expect(fill(5000).maxLoopBound).toBe(5000);
    expect(fill(5000).estimatedOps).toBeGreaterThan(5000 * 100);
    expect(fill(50000).estimatedOps / fill(500).estimatedOps).toBeGreaterThan(50);
    // Swaps inside a nested loop write by index but do not grow the array.
    const swaps = analyzer.analyze('const a = [3, 1, 2];\nfor (let i = 0; i < 3; i++) for (let j = 0; j < 2; j++) if (a[j] > a[j + 1]) { const t = a[j]; a[j] = a[j + 1]; a[j + 1] = t; }');
    expect(swaps.unboundedLoops).toBe(0);
    expect(swaps.maxLoopBound).toBe(3);
  });

  test('inner loops bounded by an outer counter are priced at its midpoint', () => {
    const triangle = (n: number) => analyzer.analyze(`let c = 0;\nfor (let i = 0; i < ${n}; i++)\n  for (let j = i + 1; j < ${n}; j++) c += i ^ j;\nfor (let i = 1; i < ${n}; i++) { let j = i - 1; while (j >= 0 && j % 7 !== 3) j--; }\nconsole.log(c);`);
    const f = triangle(2000);
    expect(f.unboundedLoops).toBe(0);
    expect(f.estimatedOps).toBeGreaterThan(2000 * 1000);
    expect(triangle(4000).estimatedOps / f.estimatedOps).toBeGreaterThan(3);
    // A bound that the midpoint makes empty (a sieve's i * i) stays unknown, not free.
    const sieve = analyzer.analyze('const n = 1000000;\nconst c = new Uint8Array(n + 1);\nfor (let i = 2; i <= n; i++) if (!c[i]) for (let j = i * i; j <= n; j += i) c[j] = 1;');
    expect(sieve.unboundedLoops).toBe(1);
  });

  test('sizes in an options object are folded unless the property is assigned', () => {
    const direct = analyzer.analyze('const options = { n: 20000, label: "x" };\nlet s = 0;\nfor (let i = 0; i < options.n; i++) s += i;');
    expect(direct.maxLoopBound).toBe(20000);
    const passed = analyzer.analyze('function run(cfg) { let s = 0; for (let i = 0; i < cfg.size; i++) s += i; return s; }\nrun({ size: 3000 });');
    expect(passed.maxLoopBound).toBe(3000);
    const changed = analyzer.analyze('const options = { n: 20000 };\noptions.n = Number(process.argv[2]);\nfor (let i = 0; i < options.n; i++);');
    expect(changed.unboundedLoops).toBe(1);
  });

  test('built-in calls cost what they go through: joins, splits, sorts and JSON of big values', () => {
    const build = (n: number) => `const parts = [];\nfor (let i = 0; i < ${n}; i++) parts.push('w' + i);\n`;
    const bare = analyzer.analyze(build(100000));
    const joined = analyzer.analyze(`${build(100000)}const text = parts.join(' ');\nconst back = text.split(' ');\nparts.sort();\nconsole.log(JSON.stringify(parts).length, back.length);`);
    // join + sort + JSON each walk 100k elements (the sort n log n): far more than the four call nodes.
    expect(joined.estimatedOps - bare.estimatedOps).toBeGreaterThan(100000 * 17);
    let str = analyzer.analyze('let s = "";\nfor (let i = 0; i < 50000; i++) s += "x";\nconsole.log(s.toUpperCase().length);');
    expect(str.estimatedOps).toBeGreaterThan(2 * 50000);
    str = analyzer.analyze('let s = "";\nfor (let i = 0; i < 50; i++) s += "x";\nconsole.log(s.toUpperCase().length);');
    expect(str.estimatedOps).toBeLessThan(50000);
  });

  test('a method named like a built-in that calls the built-in is not recursion', () => {
    const f = analyzer.analyze(`class Cache {\n  constructor() { this.map = new Map(); }\n  get(k) { return this.map.get(k); }\n  push(v) { this.items.push(v); }\n}\nconst c = new Cache();\nfor (let i = 0; i < 1000; i++) c.get(i);`);
    expect(f.recursiveFunctions).toBe(0);
    const tree = analyzer.analyze('class Node {\n  insert(v) { if (this.next) this.next.insert(v); else this.next = new Node(); }\n}\nnew Node().insert(1);');
    expect(tree.recursiveFunctions).toBe(1);
  });
});

test('it counts what it answered from its cache and what it analysed, parsed or not', () => {
  const a = createAnalyzer({ cacheSize: 2, maxBytes: 100 });
  a.analyze('const x = 1;');
  a.analyze('const x = 1;');
  a.analyze('const x = 1;');
  a.analyze('const = ;');
  a.analyze(`const s = '${'x'.repeat(200)}';`);
  expect(a.counts()).toEqual({ cached: 2, parsed: 1, unparsed: 2 });
});
