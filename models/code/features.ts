/**
 * Static features of one program, as the analyser reads them. Counts are whole-program unless
 * named otherwise; "estimated" figures come from constant loop bounds, constant call arguments
 * and the call graph, and are rough by nature (they are inputs to a learned model, not answers).
 */
export interface CodeFeatures {
  /** False when the code was refused or did not parse; every other figure is then 0. */
  parsed: boolean;
  /** Why `parsed` is false. */
  reason?: string;
  bytes: number;
  lines: number;
  /** Lines that are neither blank nor only comment. */
  loc: number;
  /** McCabe: 1 + decision points (branches, loops, cases, catches, short-circuit operators). */
  cyclomatic: number;
  maxFunctionCyclomatic: number;
  /** Deepest nesting of blocks and control statements. */
  maxNesting: number;
  loops: number;
  /** Deepest loop-inside-loop, counting loops in called functions. */
  maxLoopDepth: number;
  /** Loops whose trip count could not be resolved to a constant. */
  unboundedLoops: number;
  /** Largest constant loop trip count seen. */
  maxLoopBound: number;
  functions: number;
  /** Functions on a call cycle (direct or mutual recursion). */
  recursiveFunctions: number;
  mutualRecursion: boolean;
  /** Most self-call sites in one recursive function (2 for naive Fibonacci). */
  recursionBranching: number;
  /** Largest constant argument passed to a recursive function from outside its cycle. */
  recursionArgument: number;
  imports: number;
  externalImports: number;
  maxArrayLiteral: number;
  maxStringLiteral: number;
  maxNumericLiteral: number;
  /** Largest constant size passed to an allocating constructor (new Array(n), Float64Array(n), repeat(n)...). */
  maxAllocationSize: number;
  allocations: number;
  allocationsInLoops: number;
  typedArrays: number;
  mapsAndSets: number;
  stringOps: number;
  jsonCalls: number;
  sortCalls: number;
  /** map/filter/reduce/forEach/some/every/find... */
  higherOrderCalls: number;
  regexps: number;
  classes: number;
  tryCatch: number;
  asyncFunctions: number;
  awaits: number;
  promises: number;
  timers: number;
  /** Sum of constant timer delays, each weighted by the estimated times it runs. */
  estimatedTimerDelayMs: number;
  /** Estimated basic operations: statements weighted by loop trips, calls and recursion. */
  estimatedOps: number;
  /** Estimated elements allocated, the same way. */
  estimatedAllocations: number;
}

export function unparsedFeatures(bytes: number, lines: number, reason: string): CodeFeatures {
  return {
    parsed: false, reason, bytes, lines, loc: 0, cyclomatic: 0, maxFunctionCyclomatic: 0, maxNesting: 0,
    loops: 0, maxLoopDepth: 0, unboundedLoops: 0, maxLoopBound: 0, functions: 0, recursiveFunctions: 0,
    mutualRecursion: false, recursionBranching: 0, recursionArgument: 0, imports: 0, externalImports: 0,
    maxArrayLiteral: 0, maxStringLiteral: 0, maxNumericLiteral: 0, maxAllocationSize: 0, allocations: 0,
    allocationsInLoops: 0, typedArrays: 0, mapsAndSets: 0, stringOps: 0, jsonCalls: 0, sortCalls: 0,
    higherOrderCalls: 0, regexps: 0, classes: 0, tryCatch: 0, asyncFunctions: 0, awaits: 0, promises: 0,
    timers: 0, estimatedTimerDelayMs: 0, estimatedOps: 0, estimatedAllocations: 0,
  };
}

const log = (x: number) => Math.log10(1 + Math.max(0, x));

/**
 * The model's view of the features: one fixed-order numeric vector, scale-like figures on a
 * log scale so that a program ten times bigger is one step further, not ten.
 */
export const featureVector: { name: string; of: (f: CodeFeatures) => number }[] = [
  { name: 'log_bytes', of: (f) => log(f.bytes) },
  { name: 'log_loc', of: (f) => log(f.loc) },
  { name: 'log_cyclomatic', of: (f) => log(f.cyclomatic) },
  { name: 'max_nesting', of: (f) => f.maxNesting },
  { name: 'log_loops', of: (f) => log(f.loops) },
  { name: 'max_loop_depth', of: (f) => f.maxLoopDepth },
  { name: 'unbounded_loops', of: (f) => log(f.unboundedLoops) },
  { name: 'log_max_loop_bound', of: (f) => log(f.maxLoopBound) },
  { name: 'log_functions', of: (f) => log(f.functions) },
  { name: 'recursive_functions', of: (f) => log(f.recursiveFunctions) },
  { name: 'recursion_branching', of: (f) => f.recursionBranching },
  { name: 'log_recursion_argument', of: (f) => log(f.recursionArgument) },
  { name: 'log_imports', of: (f) => log(f.imports) },
  { name: 'log_max_array_literal', of: (f) => log(f.maxArrayLiteral) },
  { name: 'log_max_string_literal', of: (f) => log(f.maxStringLiteral) },
  { name: 'log_max_allocation_size', of: (f) => log(f.maxAllocationSize) },
  { name: 'log_allocations', of: (f) => log(f.allocations) },
  { name: 'log_allocations_in_loops', of: (f) => log(f.allocationsInLoops) },
  { name: 'log_typed_arrays', of: (f) => log(f.typedArrays) },
  { name: 'log_maps_sets', of: (f) => log(f.mapsAndSets) },
  { name: 'log_string_ops', of: (f) => log(f.stringOps) },
  { name: 'log_json_calls', of: (f) => log(f.jsonCalls) },
  { name: 'log_sort_calls', of: (f) => log(f.sortCalls) },
  { name: 'log_higher_order_calls', of: (f) => log(f.higherOrderCalls) },
  { name: 'log_classes', of: (f) => log(f.classes) },
  { name: 'async', of: (f) => log(f.asyncFunctions + f.awaits + f.promises) },
  { name: 'log_timers', of: (f) => log(f.timers) },
  { name: 'log_timer_delay_ms', of: (f) => log(f.estimatedTimerDelayMs) },
  { name: 'log_estimated_ops', of: (f) => log(f.estimatedOps) },
  { name: 'log_estimated_allocations', of: (f) => log(f.estimatedAllocations) },
];
