import type { TSESTree } from '@typescript-eslint/typescript-estree';
import { builtinModules } from 'node:module';
import { unlimited, type StepBudget } from './budget';
import { ConstantFolder, type Counters } from './evaluate';
import type { CodeFeatures } from './features';
import { calleeName, childrenOf, isFunction, repeatsWithLoop, type Node, type ProgramIndex } from './program-index';
import { counterMidpoint, loopTrip, UNKNOWN_TRIP } from './loop-trip';
import { plus, times, WORK_CAP } from './saturating';

/** Per-function tallies, before the call graph spreads them to callers. */
export interface FunctionTally {
  ops: number;
  allocations: number;
  timerDelayMs: number;
  maxLoopDepth: number;
  decisions: number;
}

/** A call from one function's body to a named user function, with the weight it runs at. */
export interface CallEdge {
  from: number;
  to: number;
  weight: number;
  loopDepth: number;
}

/** Whole-program counts that need no call graph. */
/** The features the walk counts directly; the rest come from the call graph and the folder. */
export type Counts = Pick<
  CodeFeatures,
  | 'maxNesting'
  | 'loops'
  | 'unboundedLoops'
  | 'maxLoopBound'
  | 'imports'
  | 'externalImports'
  | 'maxArrayLiteral'
  | 'maxStringLiteral'
  | 'maxNumericLiteral'
  | 'maxAllocationSize'
  | 'allocations'
  | 'allocationsInLoops'
  | 'typedArrays'
  | 'mapsAndSets'
  | 'stringOps'
  | 'jsonCalls'
  | 'sortCalls'
  | 'higherOrderCalls'
  | 'regexps'
  | 'classes'
  | 'tryCatch'
  | 'asyncFunctions'
  | 'awaits'
  | 'promises'
  | 'timers'
>;

export interface Walk {
  counts: Counts;
  tallies: FunctionTally[];
  edges: CallEdge[];
}

const loopTypes = new Set(['ForStatement', 'ForInStatement', 'ForOfStatement', 'WhileStatement', 'DoWhileStatement']);
const nestingTypes = new Set([...loopTypes, 'IfStatement', 'SwitchStatement', 'TryStatement', 'FunctionDeclaration', 'FunctionExpression', 'ArrowFunctionExpression']);
const typedArray = /^(Int8|Uint8|Uint8Clamped|Int16|Uint16|Int32|Uint32|Float32|Float64|BigInt64|BigUint64)Array$|^(Shared)?ArrayBuffer$|^DataView$/;
const higherOrder = new Set(['map', 'filter', 'reduce', 'reduceRight', 'forEach', 'some', 'every', 'find', 'findIndex', 'findLast', 'flatMap']);
const sorts = new Set(['sort', 'toSorted']);
const stringMethods = new Set(['split', 'join', 'replace', 'replaceAll', 'substring', 'substr', 'indexOf', 'lastIndexOf', 'includes', 'charCodeAt', 'charAt', 'codePointAt', 'toUpperCase', 'toLowerCase', 'padStart', 'padEnd', 'trim', 'startsWith', 'endsWith', 'repeat', 'localeCompare', 'match', 'matchAll', 'normalize', 'fromCharCode']);
const allocatingMethods = new Set(['concat', 'slice', 'map', 'filter', 'split', 'repeat', 'join', 'flat', 'flatMap', 'toSorted', 'from', 'keys', 'values', 'entries', 'stringify', 'parse', 'structuredClone', 'padStart', 'padEnd', 'replace', 'replaceAll', 'push', 'unshift']);
/** Methods of arrays, maps, sets, strings and iterators that user classes often define too. */
const builtinMethods = new Set(['get', 'set', 'has', 'delete', 'add', 'clear', 'push', 'pop', 'shift', 'unshift', 'splice', 'slice', 'indexOf', 'includes', 'keys', 'values', 'entries', 'next', 'forEach', 'map', 'filter', 'reduce', 'find', 'sort', 'join', 'concat', 'toString', 'size', 'fill']);
/** Built-in methods whose cost grows with the receiver's length. */
const linearBuiltins = new Set(['join', 'split', 'slice', 'concat', 'indexOf', 'lastIndexOf', 'includes', 'reverse', 'fill', 'copyWithin', 'replace', 'replaceAll', 'match', 'matchAll', 'toUpperCase', 'toLowerCase', 'trim', 'flat', 'structuredClone', 'toReversed', 'search', 'localeCompare', 'normalize']);
const timers = new Set(['setTimeout', 'setInterval', 'setImmediate', 'queueMicrotask']);
/**
 * Functions of one name that a call by that name is linked to: the first this many in source
 * order, and the caller itself if it has the name (so recursion stays visible). A call by a
 * name is taken to reach every function of that name, and a source that defines one name
 * thousands of times would otherwise make an edge per call site and definition (quadratic).
 */
export const MAX_CALL_TARGETS = 16;
const builtins = new Set(builtinModules);

interface Frame {
  node: Node;
  /** Function whose tally this node counts toward (inline callbacks count toward their host). */
  ctx: number;
  /** Innermost function lexically, for resolving parameter names. */
  scope: number;
  weight: number;
  loopDepth: number;
  nesting: number;
  /** Midpoints of the counted loops around this node in its function (see ConstantFolder.number). */
  counters?: Counters;
}

/**
 * Walks every function body once, iteratively, weighting each node by the estimated number of
 * times it runs within its function (the product of enclosing loop trip counts). Callbacks
 * passed inline (`arr.forEach(x => ...)`, `new Promise(r => ...)`, IIFEs) are walked as part
 * of the function that passes them, weighted by how often the callee runs them.
 */
export function walkProgram(program: TSESTree.Program, index: ProgramIndex, budget: StepBudget = unlimited()): Walk {
  const fold = new ConstantFolder(index, budget);
  const counts: Counts = {
    maxNesting: 0, loops: 0, unboundedLoops: 0, maxLoopBound: 0, imports: 0, externalImports: 0,
    maxArrayLiteral: 0, maxStringLiteral: 0, maxNumericLiteral: 0, maxAllocationSize: 0, allocations: 0,
    allocationsInLoops: 0, typedArrays: 0, mapsAndSets: 0, stringOps: 0, jsonCalls: 0, sortCalls: 0,
    higherOrderCalls: 0, regexps: 0, classes: 0, tryCatch: 0, asyncFunctions: 0, awaits: 0, promises: 0, timers: 0,
  };
  const tallies: FunctionTally[] = index.functions.map(() => ({ ops: 0, allocations: 0, timerDelayMs: 0, maxLoopDepth: 0, decisions: 0 }));
  const edges: CallEdge[] = [];

  const repeatOf = new Map<Node, number>();
  const elseIfs = new Set<Node>();
  const stack: Frame[] = [];
  for (let f = index.functions.length - 1; f >= 0; f--) {
    const fn = index.functions[f]!.node;
    if (!index.inline.has(fn)) stack.push({ node: fn, ctx: f, scope: f, weight: 1, loopDepth: 0, nesting: 0 });
  }

  const allocate = (tally: FunctionTally, weight: number, loopDepth: number, size: number) => {
    counts.allocations++;
    if (loopDepth > 0) counts.allocationsInLoops++;
    tally.allocations = plus(tally.allocations, times(weight, Math.max(1, size)));
  };

  while (stack.length > 0) {
    budget.spend();
    const frame = stack.pop()!;
    const { node, ctx } = frame;
    let { scope, weight, loopDepth, nesting, counters } = frame;
    const tally = tallies[ctx]!;

    if (isFunction(node)) {
      if (node.async) counts.asyncFunctions++;
      if (!index.inline.has(node)) counters = undefined;
      scope = index.functionOf.get(node) ?? scope;
      const repeat = repeatOf.get(node) ?? 1;
      weight = times(weight, repeat);
      if (repeat > 1) loopDepth++;
    }
    if (nestingTypes.has(node.type) && !elseIfs.has(node)) nesting++;
    counts.maxNesting = Math.max(counts.maxNesting, nesting);
    // Work is counted in AST nodes evaluated: each node, weighted by how often it runs.
    tally.ops = plus(tally.ops, weight);

    switch (node.type) {
      case 'IfStatement':
        if (node.alternate?.type === 'IfStatement') elseIfs.add(node.alternate);
        tally.decisions++;
        break;
      case 'ConditionalExpression':
      case 'CatchClause':
        tally.decisions++;
        break;
      case 'SwitchCase':
        if (node.test) tally.decisions++;
        break;
      case 'LogicalExpression':
        tally.decisions++;
        break;
      case 'AssignmentExpression':
        if (node.operator === '&&=' || node.operator === '||=' || node.operator === '??=') tally.decisions++;
        break;
      case 'TryStatement':
        counts.tryCatch++;
        break;
      case 'ClassDeclaration':
      case 'ClassExpression':
        counts.classes++;
        break;
      case 'AwaitExpression':
        counts.awaits++;
        break;
      case 'ImportDeclaration':
        countImport(counts, node.source.value);
        break;
      case 'ImportExpression':
        if (node.source.type === 'Literal' && typeof node.source.value === 'string') countImport(counts, node.source.value);
        break;
      case 'ArrayExpression':
        counts.maxArrayLiteral = Math.max(counts.maxArrayLiteral, node.elements.length);
        allocate(tally, weight, loopDepth, node.elements.length);
        break;
      case 'ObjectExpression':
        allocate(tally, weight, loopDepth, node.properties.length);
        break;
      case 'TemplateLiteral':
        counts.maxStringLiteral = Math.max(counts.maxStringLiteral, node.quasis.reduce((s, q) => s + (q.value.cooked ?? q.value.raw).length, 0));
        if (node.expressions.length > 0) counts.stringOps++;
        break;
      case 'Literal':
        if (typeof node.value === 'string') counts.maxStringLiteral = Math.max(counts.maxStringLiteral, node.value.length);
        else if (typeof node.value === 'number' && Number.isFinite(node.value)) counts.maxNumericLiteral = Math.max(counts.maxNumericLiteral, Math.abs(node.value));
        else if ('regex' in node && node.regex) counts.regexps++;
        break;
      case 'NewExpression': {
        const name = node.callee.type === 'Identifier' ? node.callee.name : '';
        const size = fold.length(node, scope) ?? 1;
        if (typedArray.test(name)) counts.typedArrays++;
        if (/^(Weak)?(Map|Set)$/.test(name)) counts.mapsAndSets++;
        if (name === 'Promise') counts.promises++;
        if (name === 'RegExp') counts.regexps++;
        if (name === 'Array' || typedArray.test(name)) counts.maxAllocationSize = Math.max(counts.maxAllocationSize, size);
        allocate(tally, weight, loopDepth, size);
        break;
      }
      default:
        break;
    }

    // Loops and callback-taking calls multiply the weight of what they contain.
    let childWeight = weight;
    let childLoopDepth = loopDepth;
    let childCounters = counters;
    if (loopTypes.has(node.type)) {
      counts.loops++;
      tally.decisions++;
      const trip = loopTrip(node, fold, scope, counters);
      const counter = counterMidpoint(node, fold, scope, counters);
      if (counter) childCounters = new Map(counters).set(counter.variable, counter.value);
      if (trip === undefined) counts.unboundedLoops++;
      else counts.maxLoopBound = Math.max(counts.maxLoopBound, trip);
      childWeight = times(weight, Math.max(1, trip ?? UNKNOWN_TRIP));
      childLoopDepth = loopDepth + 1;
      tally.maxLoopDepth = Math.max(tally.maxLoopDepth, childLoopDepth);
    } else if (node.type === 'CallExpression' || node.type === 'NewExpression') {
      const repeat = callbackRepeat(node, fold, scope, counts, (delay) => { tally.timerDelayMs = plus(tally.timerDelayMs, times(weight, delay)); });
      if (isFunction(node.callee)) repeatOf.set(node.callee, repeat);
      for (const arg of node.arguments) if (isFunction(arg)) repeatOf.set(arg, repeat);
      if (repeat > 1) tally.maxLoopDepth = Math.max(tally.maxLoopDepth, loopDepth + 1);
      const name = calleeName(node.callee);
      if (node.type === 'CallExpression' && name) {
        if (allocatingMethods.has(name) && node.callee.type === 'MemberExpression') allocate(tally, weight, loopDepth, name === 'repeat' ? (fold.length(node, scope) ?? 1) : 1);
        if (name === 'require' && node.arguments[0]?.type === 'Literal' && typeof node.arguments[0].value === 'string') countImport(counts, node.arguments[0].value);
        if (name === 'from' && node.callee.type === 'MemberExpression') counts.maxAllocationSize = Math.max(counts.maxAllocationSize, fold.length(node, scope) ?? 0);
        tally.ops = plus(tally.ops, times(weight, builtinWork(node, name, fold, scope)));
      }
      if (name) {
        // `this.map.get(k)` inside a class's own `get` is Map's get, not recursion: a method named
        // like a built-in is taken to call itself only through `this`.
        const builtinCall = node.callee.type === 'MemberExpression' && node.callee.object.type !== 'ThisExpression' && builtinMethods.has(name);
        const targets = index.byName.get(name) ?? [];
        const linked = targets.length > MAX_CALL_TARGETS ? targets.slice(0, MAX_CALL_TARGETS) : targets;
        // Past the cap, a function of the name still calls itself (targets are in index order).
        if (linked !== targets && index.functions[ctx]!.name === name && ctx > linked[linked.length - 1]!) linked.push(ctx);
        for (const to of linked) {
          if (builtinCall && to === ctx) continue;
          budget.spend();
          edges.push({ from: ctx, to, weight, loopDepth });
        }
      }
    }

    const loop = loopTypes.has(node.type);
    const children = childrenOf(node);
    for (let i = children.length - 1; i >= 0; i--) {
      const child = children[i]!;
      if (isFunction(child) && !index.inline.has(child)) continue; // named: walked as its own root
      const inBody = loop && repeatsWithLoop(node, child);
      stack.push({ node: child, ctx, scope, weight: inBody ? childWeight : weight, loopDepth: inBody ? childLoopDepth : loopDepth, nesting, counters: inBody ? childCounters : counters });
    }
  }
  return { counts, tallies, edges };
}

/** How many times a call runs the function it is given, and the delay of timer calls. */
function callbackRepeat(node: TSESTree.CallExpression | TSESTree.NewExpression, fold: ConstantFolder, scope: number, counts: Counts, addDelay: (ms: number) => void): number {
  const name = calleeName(node.callee);
  if (!name) return 1;
  const receiver = node.callee.type === 'MemberExpression' ? node.callee.object : undefined;
  if (node.type === 'NewExpression') return 1;
  if (name === 'then' || (receiver?.type === 'Identifier' && receiver.name === 'Promise')) counts.promises++;
  if (receiver?.type === 'Identifier' && receiver.name === 'JSON') counts.jsonCalls++;
  if (timers.has(name) && !receiver) {
    counts.timers++;
    const delay = node.arguments[1] ? fold.number(node.arguments[1], scope) : 0;
    addDelay(Math.max(0, delay ?? 0));
    return 1;
  }
  if (stringMethods.has(name) && receiver) counts.stringOps++;
  if (!receiver) return 1;
  const n = fold.length(receiver, scope);
  if (sorts.has(name)) {
    counts.sortCalls++;
    const size = n ?? UNKNOWN_TRIP;
    return Math.max(1, times(size, Math.log2(Math.max(2, size))));
  }
  if (higherOrder.has(name)) {
    counts.higherOrderCalls++;
    return Math.min(WORK_CAP, Math.max(1, n ?? UNKNOWN_TRIP));
  }
  if (name === 'from' && receiver.type === 'Identifier' && receiver.name === 'Array') return Math.min(WORK_CAP, Math.max(1, fold.length(node, scope) ?? UNKNOWN_TRIP));
  return 1;
}

/**
 * Elements a built-in call goes through, which its one AST node does not show: a join, split,
 * slice or JSON round trip touches every element, a sort n log n of them. Sizes come from the
 * receiver (or the argument, for JSON and Array.from); an unknown size counts as one loop's.
 */
function builtinWork(node: TSESTree.CallExpression, name: string, fold: ConstantFolder, scope: number): number {
  const callee = node.callee;
  if (callee.type !== 'MemberExpression') return 0;
  const receiver = callee.object;
  if (receiver.type === 'Identifier' && receiver.name === 'JSON' && (name === 'stringify' || name === 'parse')) {
    return node.arguments[0] ? fold.length(node.arguments[0], scope) ?? UNKNOWN_TRIP : 0;
  }
  if (receiver.type === 'Identifier' && (receiver.name === 'Math' || receiver.name === 'Object' || receiver.name === 'Number' || receiver.name === 'String')) return 0;
  if (sorts.has(name) && node.arguments.length === 0) {
    const n = fold.length(receiver, scope) ?? UNKNOWN_TRIP;
    return times(n, Math.log2(Math.max(2, n)));
  }
  if (!linearBuiltins.has(name)) return 0;
  return fold.length(receiver, scope) ?? UNKNOWN_TRIP;
}

function countImport(counts: Counts, source: string): void {
  counts.imports++;
  const bare = source.replace(/^node:/, '').split('/')[0]!;
  if (!source.startsWith('.') && !source.startsWith('/') && !source.startsWith('node:') && !builtins.has(bare)) counts.externalImports++;
}
