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

test('results are cached by source hash', () => {
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
