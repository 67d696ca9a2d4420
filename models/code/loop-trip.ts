import type { TSESTree } from '@typescript-eslint/typescript-estree';
import type { ConstantFolder, Counters } from './evaluate';
import type { Node } from './program-index';

/**
 * Trip count assumed for a loop whose bound is not constant. A geometric middle of what
 * unbounded loops in short programs do; the model also sees how many loops were unbounded.
 */
export const UNKNOWN_TRIP = 32;

/**
 * Trip count of a loop when its shape makes it constant: `for (i = a; i < b; i += s)` and the
 * mirrored, multiplicative (`i *= 2`, `i >>= 1`) and `<=` forms; `while (i < b)` with `i`
 * initialised to a constant; `for (x of xs)` / `for (k in o)` over a value of known length.
 */
export function loopTrip(loop: Node, fold: ConstantFolder, scope: number, counters?: Counters): number | undefined {
  const exact = tripWith(loop, fold, scope, undefined);
  if (exact !== undefined || !counters || counters.size === 0) return exact;
  // A bound that moves with an outer counter (`j < i`, `j = i + 1`) runs, on average, what it
  // runs at the outer counter's midpoint. Zero trips at the midpoint says the guess does not
  // fit the loop (a sieve's `j = i * i`), so it stays unknown rather than free.
  const typical = tripWith(loop, fold, scope, counters);
  return typical ? typical : undefined;
}

/** The counter of a counted `for` loop and its midpoint, for loops nested inside it. */
export function counterMidpoint(loop: Node, fold: ConstantFolder, scope: number, counters?: Counters): { variable: string; value: number } | undefined {
  if (loop.type !== 'ForStatement') return undefined;
  const bound = comparison(loop.test, fold, scope, counters);
  if (!bound) return undefined;
  const start = initialValue(loop.init, bound.variable, fold, scope, counters);
  const step = stepOf(loop.update, bound.variable, fold, scope, counters);
  if (start === undefined || step?.kind !== 'add') return undefined;
  return { variable: bound.variable, value: (start + bound.limit) / 2 };
}

function tripWith(loop: Node, fold: ConstantFolder, scope: number, counters: Counters | undefined): number | undefined {
  switch (loop.type) {
    case 'ForStatement':
      return forTrip(loop, fold, scope, counters);
    case 'ForOfStatement':
    case 'ForInStatement':
      return fold.length(loop.right, scope);
    case 'WhileStatement':
    case 'DoWhileStatement':
      return whileTrip(loop.test, fold, scope, counters);
    default:
      return undefined;
  }
}

interface Bound {
  variable: string;
  /** The constant side of the comparison. */
  limit: number;
  /** Direction the variable must move to end the loop, and whether the limit itself is included. */
  upward: boolean;
  inclusive: boolean;
}

function comparison(test: Node | null, fold: ConstantFolder, scope: number, counters: Counters | undefined): Bound | undefined {
  if (!test) return undefined;
  if (test.type === 'LogicalExpression' && test.operator === '&&') return comparison(test.left, fold, scope, counters) ?? comparison(test.right, fold, scope, counters);
  if (test.type !== 'BinaryExpression' || !['<', '<=', '>', '>=', '!=', '!=='].includes(test.operator)) return undefined;
  let { left, right } = test as { left: Node; right: Node };
  let op: string = test.operator;
  if (left.type !== 'Identifier' && right.type === 'Identifier') {
    [left, right] = [right, left];
    op = ({ '<': '>', '<=': '>=', '>': '<', '>=': '<=' } as Record<string, string>)[op] ?? op;
  }
  if (left.type !== 'Identifier') return undefined;
  const limit = fold.number(right, scope, 0, counters);
  if (limit === undefined) return undefined;
  return { variable: left.name, limit, upward: op === '<' || op === '<=' || op === '!=' || op === '!==', inclusive: op === '<=' || op === '>=' };
}

function forTrip(loop: TSESTree.ForStatement, fold: ConstantFolder, scope: number, counters: Counters | undefined): number | undefined {
  const bound = comparison(loop.test, fold, scope, counters);
  if (!bound) return undefined;
  const start = initialValue(loop.init, bound.variable, fold, scope, counters);
  if (start === undefined) return undefined;
  const step = stepOf(loop.update, bound.variable, fold, scope, counters);
  if (!step) return undefined;
  return trips(start, bound, step);
}

function whileTrip(test: Node, fold: ConstantFolder, scope: number, counters: Counters | undefined): number | undefined {
  const bound = comparison(test, fold, scope, counters);
  if (!bound) return undefined;
  // `let i = 0; while (i < n) { ...; i++ }`: the initialiser is outside the loop, the variable
  // is reassigned, so the folder will not treat it as a constant; read its first initialiser.
  const start = fold.initialNumber(bound.variable, scope, counters);
  if (start === undefined) return undefined;
  return trips(start, bound, { kind: 'add', by: bound.upward ? 1 : -1 });
}

type Step = { kind: 'add'; by: number } | { kind: 'mul'; by: number };

function trips(start: number, bound: Bound, step: Step): number | undefined {
  if (step.kind === 'add') {
    const size = Math.abs(step.by);
    if (size === 0 || (step.by > 0) !== bound.upward) return undefined;
    const span = bound.upward ? bound.limit - start : start - bound.limit;
    if (span < 0) return 0;
    return clamp(bound.inclusive ? Math.floor(span / size) + 1 : Math.ceil(span / size));
  }
  if (step.by <= 0 || step.by === 1) return undefined;
  const from = Math.max(1, Math.abs(start));
  const to = Math.max(1, Math.abs(bound.limit));
  const ratio = step.by > 1 ? to / from : from / to;
  return clamp(Math.ceil(Math.log(Math.max(1, ratio)) / Math.log(step.by > 1 ? step.by : 1 / step.by)) + (bound.inclusive ? 1 : 0));
}

function clamp(n: number): number | undefined {
  return Number.isFinite(n) && n >= 0 ? Math.min(n, 1e12) : undefined;
}

function initialValue(init: Node | null, variable: string, fold: ConstantFolder, scope: number, counters: Counters | undefined): number | undefined {
  if (!init) return fold.initialNumber(variable, scope, counters);
  if (init.type === 'VariableDeclaration') {
    const decl = init.declarations.find((d) => d.id.type === 'Identifier' && d.id.name === variable);
    return decl?.init ? fold.number(decl.init, scope, 0, counters) : undefined;
  }
  if (init.type === 'AssignmentExpression' && init.left.type === 'Identifier' && init.left.name === variable) return fold.number(init.right, scope, 0, counters);
  if (init.type === 'SequenceExpression') {
    for (const e of init.expressions) {
      const v = initialValue(e, variable, fold, scope, counters);
      if (v !== undefined) return v;
    }
  }
  return undefined;
}

function stepOf(update: Node | null, variable: string, fold: ConstantFolder, scope: number, counters: Counters | undefined): Step | undefined {
  if (!update) return undefined;
  if (update.type === 'SequenceExpression') {
    for (const e of update.expressions) {
      const s = stepOf(e, variable, fold, scope, counters);
      if (s) return s;
    }
    return undefined;
  }
  if (update.type === 'UpdateExpression' && update.argument.type === 'Identifier' && update.argument.name === variable) {
    return { kind: 'add', by: update.operator === '++' ? 1 : -1 };
  }
  if (update.type !== 'AssignmentExpression' || update.left.type !== 'Identifier' || update.left.name !== variable) return undefined;
  let op = update.operator as string;
  let amount: Node = update.right;
  // i = i + s, i = i * s
  if (op === '=' && update.right.type === 'BinaryExpression' && update.right.left.type === 'Identifier' && update.right.left.name === variable) {
    op = `${update.right.operator}=`;
    amount = update.right.right;
  }
  const by = fold.number(amount, scope, 0, counters);
  if (by === undefined) return undefined;
  switch (op) {
    case '+=': return { kind: 'add', by };
    case '-=': return { kind: 'add', by: -by };
    case '*=': return { kind: 'mul', by };
    case '/=': return { kind: 'mul', by: 1 / by };
    case '<<=': return { kind: 'mul', by: 2 ** by };
    case '>>=':
    case '>>>=': return { kind: 'mul', by: 2 ** -by };
    default: return undefined;
  }
}
