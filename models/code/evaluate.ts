import type { TSESTree } from '@typescript-eslint/typescript-estree';
import { unlimited, type StepBudget } from './budget';
import { loopTrip, UNKNOWN_TRIP } from './loop-trip';
import { callSitesOf, type Node, type ProgramIndex } from './program-index';

/** Typical values of loop counters in scope, by name (see `ConstantFolder.number`). */
export type Counters = ReadonlyMap<string, number>;

type Initialiser = { init: Node; fn: number };

/** How far an evaluation may chase names through initialisers and call sites. */
const MAX_DEPTH = 12;
/** Declarations of one name that are looked at (a name declared in hundreds of scopes is not a constant). */
const MAX_INITIALISERS = 16;
const typedArray = /^(Int8|Uint8|Uint8Clamped|Int16|Uint16|Int32|Uint32|Float32|Float64|BigInt64|BigUint64)Array$/;

/**
 * Folds expressions to numbers where the source makes them constant: literals, arithmetic,
 * Math helpers, variables with a constant initialiser that is never reassigned, and parameters
 * of functions whose every visible call passes a constant (the largest is taken, since the
 * estimate is of work). Also folds lengths: of array and string literals, of `new Array(n)`,
 * typed arrays, `Array.from({ length: n })`, `s.repeat(n)`, and of variables bound to them.
 * Everything unknown is `undefined`; evaluation is bounded in depth and never recursive on
 * the AST beyond MAX_DEPTH, so hostile input cannot blow the stack here.
 */
export class ConstantFolder {
  private readonly paramCache = new Map<string, number | undefined>();
  private readonly nameCache = new Map<string, number | undefined>();
  private readonly inProgress = new Set<string>();
  private readonly startCache = new Map<string, number | undefined>();
  private readonly initialisersByFn = new Map<string, Map<number, Initialiser[]>>();
  private readonly paramPositions = new Map<number, Map<string, number>>();

  /** @param budget charged one step per expression evaluated (see StepBudget) */
  constructor(private readonly index: ProgramIndex, private readonly budget: StepBudget = unlimited()) {}

  /**
   * @param counters typical values of the enclosing loops' counters (their midpoints), so that
   *   `j < i` or `j = i + 1` in an inner loop can be priced; without them such bounds are unknown
   */
  number(expr: Node, fn: number, depth = 0, counters?: Counters): number | undefined {
    if (depth > MAX_DEPTH) return undefined;
    this.budget.spend();
    const d = depth + 1;
    const num = (e: Node) => this.number(e, fn, d, counters);
    switch (expr.type) {
      case 'Literal':
        // `1e999` is Infinity: not a size anything could have.
        return typeof expr.value === 'number' ? finite(expr.value) : undefined;
      case 'Identifier':
        return counters?.get(expr.name) ?? this.name(expr.name, fn, 'number', d);
      case 'UnaryExpression': {
        const v = num(expr.argument);
        if (v === undefined) return undefined;
        return expr.operator === '-' ? -v : expr.operator === '+' ? v : expr.operator === '~' ? ~v : undefined;
      }
      case 'BinaryExpression': {
        if (expr.left.type === 'PrivateIdentifier') return undefined;
        const a = num(expr.left);
        const b = a === undefined ? undefined : num(expr.right);
        if (a === undefined || b === undefined) return undefined;
        return finite(arith(expr.operator, a, b));
      }
      case 'MemberExpression':
        if (expr.computed || expr.property.type !== 'Identifier') return undefined;
        if (expr.property.name === 'length') return this.length(expr.object, fn, d);
        return this.property(expr.object, expr.property.name, fn, d);
      case 'LogicalExpression': {
        // `+process.argv[2] || 1000`: benchmark programs default their size this way.
        const left = num(expr.left);
        if (expr.operator === '&&') return left === 0 ? 0 : left === undefined ? undefined : num(expr.right);
        return left !== undefined && (expr.operator === '??' || left !== 0) ? left : num(expr.right);
      }
      case 'ConditionalExpression': {
        const a = num(expr.consequent);
        const b = num(expr.alternate);
        return a === undefined ? b : b === undefined ? a : Math.max(a, b);
      }
      case 'CallExpression':
        if (expr.callee.type === 'Identifier' && ['Number', 'parseInt', 'parseFloat'].includes(expr.callee.name) && expr.arguments[0]) {
          const arg = expr.arguments[0];
          return arg.type === 'Literal' && typeof arg.value === 'string' ? finite(Number.parseFloat(arg.value)) : num(arg);
        }
        return this.mathCall(expr, num);
      case 'TSAsExpression':
      case 'TSNonNullExpression':
        return num(expr.expression);
      default:
        return undefined;
    }
  }

  length(expr: Node, fn: number, depth = 0): number | undefined {
    if (depth > MAX_DEPTH) return undefined;
    this.budget.spend();
    const d = depth + 1;
    switch (expr.type) {
      case 'Literal':
        return typeof expr.value === 'string' ? expr.value.length : undefined;
      case 'TemplateLiteral':
        return expr.quasis.reduce((sum, q) => sum + (q.value.cooked ?? q.value.raw).length, 0);
      case 'ArrayExpression':
        return expr.elements.length;
      case 'ObjectExpression':
        return expr.properties.length;
      case 'Identifier':
        return this.name(expr.name, fn, 'length', d);
      case 'NewExpression':
      case 'CallExpression': {
        const callee = expr.callee;
        const first = expr.arguments[0];
        if (callee.type === 'Identifier' && (callee.name === 'Array' || typedArray.test(callee.name) || callee.name === 'Set' || callee.name === 'Map')) {
          if (!first) return 0;
          return first.type === 'ArrayExpression' || callee.name === 'Set' || callee.name === 'Map' ? this.length(first, fn, d) : this.number(first, fn, d);
        }
        if (callee.type !== 'MemberExpression' || callee.computed || callee.property.type !== 'Identifier') return undefined;
        const method = callee.property.name;
        if (callee.object.type === 'Identifier' && callee.object.name === 'Array' && method === 'from' && first) {
          if (first.type === 'ObjectExpression') {
            const prop = first.properties.find((p) => p.type === 'Property' && p.key.type === 'Identifier' && p.key.name === 'length');
            return prop && prop.type === 'Property' ? this.number(prop.value, fn, d) : undefined;
          }
          return this.length(first, fn, d);
        }
        if (callee.object.type === 'Identifier' && (callee.object.name === 'Buffer' && (method === 'alloc' || method === 'allocUnsafe')) && first) return this.number(first, fn, d);
        if (method === 'repeat' && first) {
          const unit = this.length(callee.object, fn, d);
          const times = this.number(first, fn, d);
          return unit === undefined || times === undefined ? undefined : finite(unit * times);
        }
        if (['fill', 'map', 'slice', 'reverse', 'sort', 'toSorted', 'concat', 'keys', 'values', 'entries'].includes(method)) return this.length(callee.object, fn, d);
        return undefined;
      }
      default:
        return undefined;
    }
  }

  /** The largest constant any parameter of `fn` receives at a visible call site. */
  largestArgument(fn: number): number | undefined {
    let best: number | undefined;
    this.index.functions[fn]?.params.forEach((_, position) => {
      const v = this.param(fn, position, 'number', 0);
      if (v !== undefined && (best === undefined || v > best)) best = v;
    });
    return best;
  }

  /**
   * The value a variable starts with even if it changes later (a loop counter): the first
   * declaration that folds, those in `fn` first, then the rest in source order. At most
   * MAX_INITIALISERS declarations are tried, as in `name`, and without counters the answer is
   * memoised per name and function: every while loop asks, and a source declaring one name
   * thousands of times must not make each ask scan them all.
   */
  initialNumber(name: string, fn: number, counters?: Counters): number | undefined {
    const memo = !counters || counters.size === 0;
    const key = `${name}@${fn}`;
    if (memo && this.startCache.has(key)) return this.startCache.get(key);
    const own = this.initialisersIn(name).get(fn) ?? [];
    let tried = 0;
    let found: number | undefined;
    for (const { init, fn: owner } of own) {
      if (tried++ >= MAX_INITIALISERS) break;
      found = this.number(init, owner, 0, counters);
      if (found !== undefined) break;
    }
    if (found === undefined) {
      // Skips at most own.length (< MAX_INITIALISERS here) declarations of `fn` on the way.
      for (const { init, fn: owner } of this.index.initialisers.get(name) ?? []) {
        if (tried >= MAX_INITIALISERS) break;
        if (owner === fn) continue;
        tried++;
        found = this.number(init, owner, 0, counters);
        if (found !== undefined) break;
      }
    }
    if (memo) this.startCache.set(key, found);
    return found;
  }

  /** A name's initialisers grouped by the function declaring them, built once per name. */
  private initialisersIn(name: string): Map<number, Initialiser[]> {
    let byFn = this.initialisersByFn.get(name);
    if (!byFn) {
      byFn = new Map();
      for (const i of this.index.initialisers.get(name) ?? []) {
        const list = byFn.get(i.fn);
        if (list) list.push(i);
        else byFn.set(i.fn, [i]);
      }
      this.initialisersByFn.set(name, byFn);
    }
    return byFn;
  }

  private name(name: string, fn: number, kind: 'number' | 'length', depth: number): number | undefined {
    for (let f = fn; f >= 0; f = this.index.functions[f]!.parent) {
      this.budget.spend();
      const position = this.paramPosition(f, name);
      if (position >= 0) return this.param(f, position, kind, depth);
    }
    if (kind === 'number' && this.index.reassigned.has(name)) return undefined;
    // Memoised per name: without it, sources that reuse a name in many scopes (n, i, size)
    // re-evaluate every initialiser at every mention, which grows exponentially with depth.
    const key = `${name}:${kind}`;
    if (this.nameCache.has(key)) return this.nameCache.get(key);
    if (this.inProgress.has(key)) return undefined;
    this.inProgress.add(key);
    let best: number | undefined;
    for (const { init, fn: owner } of (this.index.initialisers.get(name) ?? []).slice(0, MAX_INITIALISERS)) {
      const v = kind === 'number' ? this.number(init, owner, depth) : this.length(init, owner, depth);
      if (v !== undefined && (best === undefined || v > best)) best = v;
    }
    if (kind === 'length') best = this.grown(name, best);
    this.inProgress.delete(key);
    this.nameCache.set(key, best);
    return best;
  }

  /**
   * The length of a collection after the code grows it: appends add what their loops run
   * (`const a = []; for (...) a.push(x)` is as long as the loop), and index writes make it at
   * least as long as their innermost loop runs (a swap inside a nested loop does not grow it).
   */
  private grown(name: string, start: number | undefined): number | undefined {
    const sites = this.index.growth.get(name);
    if (!sites) return start;
    let appended = 0;
    let indexed = 0;
    for (const site of sites.slice(0, MAX_INITIALISERS)) {
      let times = site.items;
      for (const loop of site.kind === 'append' ? site.loops : site.loops.slice(0, 1)) times *= Math.max(1, loopTrip(loop, this, site.fn) ?? UNKNOWN_TRIP);
      if (site.kind === 'append') appended += times;
      else indexed = Math.max(indexed, times);
    }
    return finite(Math.max((start ?? 0) + appended, indexed));
  }

  /**
   * `options.size` where `options` is an object literal, by a name that is never reassigned or
   * through a parameter every visible call passes one to, and `size` is never assigned: the
   * options-object style of sizing a benchmark.
   */
  private property(object: Node, key: string, fn: number, depth: number): number | undefined {
    if (depth > MAX_DEPTH) return undefined;
    this.budget.spend();
    const d = depth + 1;
    if (object.type === 'ObjectExpression') {
      const prop = object.properties.find((p) => p.type === 'Property' && !p.computed && propertyKey(p.key) === key);
      return prop?.type === 'Property' ? this.number(prop.value, fn, d) : undefined;
    }
    if (object.type !== 'Identifier' || this.index.reassignedMembers.has(`${object.name}.${key}`)) return undefined;
    let owner = -1;
    let position = -1;
    for (let f = fn; f >= 0 && position < 0; f = this.index.functions[f]!.parent) {
      this.budget.spend();
      position = this.paramPosition(f, object.name);
      owner = f;
    }
    if (position < 0 && this.index.reassigned.has(object.name)) return undefined;
    const cacheKey = position >= 0 ? `${this.callKey(owner)}:${position}.${key}` : `${object.name}.${key}`;
    if (this.nameCache.has(cacheKey)) return this.nameCache.get(cacheKey);
    if (this.inProgress.has(cacheKey)) return undefined;
    this.inProgress.add(cacheKey);
    const sources: Initialiser[] = [];
    if (position >= 0) {
      for (const site of callSitesOf(this.index, owner)) {
        if (sources.length >= MAX_INITIALISERS) break;
        const arg = site.args[position];
        if (arg) sources.push({ init: arg, fn: site.caller });
      }
    } else {
      sources.push(...(this.index.initialisers.get(object.name) ?? []).slice(0, MAX_INITIALISERS));
    }
    let best: number | undefined;
    for (const { init, fn: from } of sources) {
      const v = this.property(init, key, from, d);
      if (v !== undefined && (best === undefined || v > best)) best = v;
    }
    this.inProgress.delete(cacheKey);
    this.nameCache.set(cacheKey, best);
    return best;
  }

  /** The largest constant passed at any visible call site for this parameter. */
  private param(fn: number, position: number, kind: 'number' | 'length', depth: number): number | undefined {
    const key = `${this.callKey(fn)}:${position}:${kind}`;
    if (this.paramCache.has(key)) return this.paramCache.get(key);
    if (this.inProgress.has(key)) return undefined;
    this.inProgress.add(key);
    let best: number | undefined;
    for (const site of callSitesOf(this.index, fn)) {
      const arg = site.args[position];
      if (!arg) continue;
      const v = kind === 'number' ? this.number(arg, site.caller, depth) : this.length(arg, site.caller, depth);
      if (v !== undefined && (best === undefined || v > best)) best = v;
    }
    this.inProgress.delete(key);
    this.paramCache.set(key, best);
    return best;
  }

  /** `params.indexOf(name)` of function `f`, by a map built once per function (a function may have thousands). */
  private paramPosition(f: number, name: string): number {
    let positions = this.paramPositions.get(f);
    if (!positions) {
      positions = new Map();
      const params = this.index.functions[f]!.params;
      for (let i = params.length - 1; i >= 0; i--) positions.set(params[i]!, i);
      this.paramPositions.set(f, positions);
    }
    return positions.get(name) ?? -1;
  }

  /**
   * What a function's call sites are cached under: its name, since every function of a name
   * receives the same calls (see `callSitesOf`), so a name defined many times is folded once.
   */
  private callKey(fn: number): string {
    const name = this.index.functions[fn]?.name;
    return name ? `#${name}` : String(fn);
  }

  private mathCall(expr: TSESTree.CallExpression, num: (e: Node) => number | undefined): number | undefined {
    const callee = expr.callee;
    if (callee.type !== 'MemberExpression' || callee.computed || callee.property.type !== 'Identifier') return undefined;
    if (callee.object.type !== 'Identifier' || callee.object.name !== 'Math') return undefined;
    const args: number[] = [];
    for (const a of expr.arguments) {
      const v = num(a);
      if (v === undefined) return undefined;
      args.push(v);
    }
    const f = (Math as unknown as Record<string, unknown>)[callee.property.name];
    const pure = ['floor', 'ceil', 'round', 'trunc', 'sqrt', 'cbrt', 'log', 'log2', 'log10', 'min', 'max', 'pow', 'abs', 'exp'];
    return typeof f === 'function' && pure.includes(callee.property.name) ? finite((f as (...xs: number[]) => number)(...args)) : undefined;
  }
}

function arith(op: string, a: number, b: number): number | undefined {
  switch (op) {
    case '+': return a + b;
    case '-': return a - b;
    case '*': return a * b;
    case '/': return a / b;
    case '%': return a % b;
    case '**': return a ** b;
    case '<<': return a << b;
    case '>>': return a >> b;
    case '>>>': return a >>> b;
    case '|': return a | b;
    case '&': return a & b;
    default: return undefined;
  }
}

function propertyKey(key: Node): string | undefined {
  return key.type === 'Identifier' ? key.name : key.type === 'Literal' ? String(key.value) : undefined;
}

function finite(x: number | undefined): number | undefined {
  return x !== undefined && Number.isFinite(x) ? x : undefined;
}
