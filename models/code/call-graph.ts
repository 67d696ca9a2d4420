import { UNKNOWN_TRIP } from './loop-trip';
import { plus, times, WORK_CAP } from './saturating';
import type { CallEdge, FunctionTally } from './walker';

export interface CallGraphSummary {
  recursiveFunctions: number;
  mutualRecursion: boolean;
  recursionBranching: number;
  recursionArgument: number;
  /** Whole-program estimates from the program's top level, calls and recursion included. */
  estimatedOps: number;
  estimatedAllocations: number;
  estimatedTimerDelayMs: number;
  maxLoopDepth: number;
}

/**
 * Spreads per-function tallies over the call graph: a call made `w` times to `g` adds `w` times
 * g's total. Recursion (a strongly connected component) is priced by its branching and the
 * constant it starts from: one self-call site with argument n runs ~n times; two or more run
 * ~φ^n (the Fibonacci shape), capped. Components are visited callees-first (Tarjan's order),
 * so every callee's total is known when its callers are summed: one linear pass, no recursion.
 * Sums and products saturate at WORK_CAP (see saturating.ts), so every figure stays finite.
 *
 * @param argumentOf the largest constant a function's parameters receive, if any
 */
export function summarise(tallies: FunctionTally[], edges: CallEdge[], argumentOf: (fn: number) => number | undefined): CallGraphSummary {
  const n = tallies.length;
  const out: CallEdge[][] = tallies.map(() => []);
  for (const e of edges) out[e.from]!.push(e);
  const components = stronglyConnected(n, out);
  const componentOf = new Array<number>(n).fill(-1);
  components.forEach((members, c) => members.forEach((f) => { componentOf[f] = c; }));

  const ops = new Array<number>(n).fill(0);
  const allocations = new Array<number>(n).fill(0);
  const delays = new Array<number>(n).fill(0);
  const depth = new Array<number>(n).fill(0);
  let recursiveFunctions = 0;
  let mutualRecursion = false;
  let recursionBranching = 0;
  let recursionArgument = 0;

  components.forEach((members, c) => {
    // Self-call sites per member: the most of any member is the component's branching.
    let branching = 0;
    let local = { ops: 0, allocations: 0, delay: 0, depth: 0 };
    for (const f of members) {
      const t = tallies[f]!;
      local.ops = plus(local.ops, t.ops);
      local.allocations = plus(local.allocations, t.allocations);
      local.delay = plus(local.delay, t.timerDelayMs);
      local.depth = Math.max(local.depth, t.maxLoopDepth);
      let inner = 0;
      for (const e of out[f]!) {
        if (componentOf[e.to] === c) {
          inner++;
          continue;
        }
        local.ops = plus(local.ops, times(e.weight, ops[e.to]!));
        local.allocations = plus(local.allocations, times(e.weight, allocations[e.to]!));
        local.delay = plus(local.delay, times(e.weight, delays[e.to]!));
        local.depth = Math.max(local.depth, e.loopDepth + depth[e.to]!);
      }
      branching = Math.max(branching, inner);
    }
    if (branching > 0) {
      recursiveFunctions += members.length;
      if (members.length > 1) mutualRecursion = true;
      const argument = members.reduce((m, f) => Math.max(m, argumentOf(f) ?? 0), 0);
      recursionBranching = Math.max(recursionBranching, branching);
      recursionArgument = Math.max(recursionArgument, argument);
      const calls = recursionCalls(branching, argument);
      local = { ops: times(local.ops, calls), allocations: times(local.allocations, calls), delay: times(local.delay, calls), depth: local.depth + 1 };
    }
    for (const f of members) {
      ops[f] = Math.min(WORK_CAP, local.ops);
      allocations[f] = Math.min(WORK_CAP, local.allocations);
      delays[f] = Math.min(WORK_CAP, local.delay);
      depth[f] = local.depth;
    }
  });

  return {
    recursiveFunctions, mutualRecursion, recursionBranching, recursionArgument,
    estimatedOps: ops[0] ?? 0,
    estimatedAllocations: allocations[0] ?? 0,
    estimatedTimerDelayMs: delays[0] ?? 0,
    maxLoopDepth: depth.reduce((a, b) => Math.max(a, b), 0),
  };
}

function recursionCalls(branching: number, argument: number): number {
  if (argument <= 0) return UNKNOWN_TRIP * Math.max(1, branching);
  if (branching <= 1) return Math.min(argument, 1e9);
  const base = branching === 2 ? 1.618 : branching - 0.5;
  return Math.min(base ** Math.min(argument, 200), 1e12);
}

/** Tarjan's algorithm with an explicit stack; components come out callees-first. */
function stronglyConnected(n: number, out: CallEdge[][]): number[][] {
  const index = new Array<number>(n).fill(-1);
  const low = new Array<number>(n).fill(0);
  const onStack = new Array<boolean>(n).fill(false);
  const stack: number[] = [];
  const components: number[][] = [];
  let counter = 0;
  for (let root = 0; root < n; root++) {
    if (index[root] !== -1) continue;
    const work: { v: number; next: number }[] = [{ v: root, next: 0 }];
    index[root] = low[root] = counter++;
    stack.push(root);
    onStack[root] = true;
    while (work.length > 0) {
      const top = work[work.length - 1]!;
      const edges = out[top.v]!;
      if (top.next < edges.length) {
        const w = edges[top.next++]!.to;
        if (index[w] === -1) {
          index[w] = low[w] = counter++;
          stack.push(w);
          onStack[w] = true;
          work.push({ v: w, next: 0 });
        } else if (onStack[w]) {
          low[top.v] = Math.min(low[top.v]!, index[w]!);
        }
        continue;
      }
      work.pop();
      const parent = work[work.length - 1];
      if (parent) low[parent.v] = Math.min(low[parent.v]!, low[top.v]!);
      if (low[top.v] === index[top.v]) {
        const members: number[] = [];
        let w: number;
        do {
          w = stack.pop()!;
          onStack[w] = false;
          members.push(w);
        } while (w !== top.v);
        components.push(members);
      }
    }
  }
  return components;
}
