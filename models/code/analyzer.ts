import { parse, type TSESTree } from '@typescript-eslint/typescript-estree';
import { createHash } from 'node:crypto';
import { StepBudget, StepBudgetExhausted } from './budget';
import { summarise } from './call-graph';
import { ConstantFolder } from './evaluate';
import { unparsedFeatures, type CodeFeatures } from './features';
import { LruCache } from './lru';
import { bracketDepth, countLines } from './prescan';
import { indexProgram } from './program-index';
import { walkProgram } from './walker';

export interface AnalyzerOptions {
  /** Sources larger than this (UTF-8 bytes) are refused. Parse time grows linearly with size, so this also bounds it. Default 256 KiB. */
  maxBytes?: number;
  /** Deepest bracket nesting accepted; deeper input is refused before the recursive parser sees it. Default 200. */
  maxNesting?: number;
  /** Analyses kept, of short sources and of long ones each (see SOURCE_KEY_MAX_LENGTH). Default 1000. */
  cacheSize?: number;
  /**
   * Work allowed after parsing, in steps (AST nodes indexed and walked, call edges, folded
   * expressions: see StepBudget). A source that needs more is reported like one over a size
   * limit (`parsed: false`, "analysis ran past its N-step limit"). Default DEFAULT_MAX_STEPS.
   */
  maxSteps?: number;
}

/**
 * The default step budget. 250 KB of concatenated corpus programs takes about 190,000 steps,
 * and the costliest linear shapes found at that size (a call to a name defined thousands of
 * times, at every line) about 760,000; a step takes 0.5 to 2 µs, so the budget ends any
 * analysis after a second or two of work at most, whatever the source.
 */
export const DEFAULT_MAX_STEPS = 2_000_000;

export interface Analyzer {
  /** Never throws: refused or unparsable code yields features with `parsed: false` and a reason. */
  analyze(source: string): CodeFeatures;
  /** What it has done since it was made (for metrics): first-seen code is the predictor's main cost. */
  counts(): AnalyzerCounts;
}

export interface AnalyzerCounts {
  /** Sources answered from the cache. */
  cached: number;
  /** Sources analysed and parsed. */
  parsed: number;
  /** Sources analysed and refused by a limit or unparsable (features with `parsed: false`). */
  unparsed: number;
}

export function createAnalyzer({ maxBytes = 256 * 1024, maxNesting = 200, cacheSize = 1000, maxSteps = DEFAULT_MAX_STEPS }: AnalyzerOptions = {}): Analyzer {
  if (!Number.isInteger(maxBytes) || maxBytes <= 0) throw new RangeError(`maxBytes must be a positive integer, got ${maxBytes}`);
  if (!Number.isInteger(maxNesting) || maxNesting <= 0) throw new RangeError(`maxNesting must be a positive integer, got ${maxNesting}`);
  if (!Number.isInteger(maxSteps) || maxSteps <= 0) throw new RangeError(`maxSteps must be a positive integer, got ${maxSteps}`);
  const bySource = new LruCache<string, CodeFeatures>(cacheSize);
  const byDigest = new LruCache<string, CodeFeatures>(cacheSize);
  const counts: AnalyzerCounts = { cached: 0, parsed: 0, unparsed: 0 };
  return {
    counts: () => ({ ...counts }),
    analyze(source) {
      // Two caches, so that no short source can be written to equal a long one's digest.
      const short = source.length <= SOURCE_KEY_MAX_LENGTH;
      const cache = short ? bySource : byDigest;
      const key = short ? source : createHash('sha256').update(source).digest('base64');
      const hit = cache.get(key);
      if (hit) {
        counts.cached++;
        return hit;
      }
      const features = analyzeUncached(source, maxBytes, maxNesting, maxSteps);
      if (features.parsed) counts.parsed++;
      else counts.unparsed++;
      cache.set(key, features);
      return features;
    },
  };
}

/**
 * Sources up to this many UTF-16 code units are cached under themselves, longer ones under their
 * SHA-256. A typical submission is a few hundred characters, and a map lookup by the string
 * costs a fraction of hashing it (in the pipeline bench's profile the hash was about 2% of the
 * predictor's CPU); the bound keeps the cached keys under 8 KiB each.
 */
const SOURCE_KEY_MAX_LENGTH = 4096;

function analyzeUncached(source: string, maxBytes: number, maxNesting: number, maxSteps: number): CodeFeatures {
  const bytes = Buffer.byteLength(source, 'utf8');
  if (bytes > maxBytes) return unparsedFeatures(bytes, 0, `source is ${bytes} bytes, over the ${maxBytes}-byte limit`);
  const { lines, loc } = countLines(source);
  const depth = bracketDepth(source, maxNesting);
  if (depth > maxNesting) return unparsedFeatures(bytes, lines, `brackets nest deeper than ${maxNesting}`);
  let program: TSESTree.Program;
  try {
    // range and loc are kept although unused: the converter computes them anyway, and asking
    // for them off costs a second full traversal that deletes them, which also leaves every
    // node a slow dictionary-mode object for the walks after it.
    program = parse(source, { loc: true, range: true, jsDocParsingMode: 'none', comment: false, tokens: false, jsx: false, loggerFn: false, suppressDeprecatedPropertyWarnings: true });
  } catch (err) {
    // Deep non-bracket chains (a+a+...+a) can still exhaust the stack in the parser: a
    // RangeError here is caught like any syntax error.
    const message = err instanceof RangeError ? 'expression nests too deeply to parse' : `parse error: ${(err as Error).message.split('\n')[0]}`;
    return unparsedFeatures(bytes, lines, message);
  }
  try {
    return featuresOf(program, bytes, lines, loc, new StepBudget(maxSteps));
  } catch (err) {
    // Like the byte and nesting limits: the reason names the limit, every figure is 0.
    if (err instanceof StepBudgetExhausted) return unparsedFeatures(bytes, lines, err.message);
    throw err;
  }
}

function featuresOf(program: TSESTree.Program, bytes: number, lines: number, loc: number, budget: StepBudget): CodeFeatures {
  const index = indexProgram(program, budget);
  const walk = walkProgram(program, index, budget);
  const fold = new ConstantFolder(index, budget);
  const graph = summarise(walk.tallies, walk.edges, (fn) => fold.largestArgument(fn));
  const decisions = walk.tallies.reduce((sum, t) => sum + t.decisions, 0);
  return {
    parsed: true,
    bytes, lines, loc,
    cyclomatic: 1 + decisions,
    maxFunctionCyclomatic: 1 + walk.tallies.reduce((m, t) => Math.max(m, t.decisions), 0),
    ...walk.counts,
    maxLoopDepth: graph.maxLoopDepth,
    functions: index.functions.length - 1,
    recursiveFunctions: graph.recursiveFunctions,
    mutualRecursion: graph.mutualRecursion,
    recursionBranching: graph.recursionBranching,
    recursionArgument: graph.recursionArgument,
    estimatedTimerDelayMs: graph.estimatedTimerDelayMs,
    estimatedOps: graph.estimatedOps,
    estimatedAllocations: graph.estimatedAllocations,
  };
}
