import { unparsedFeatures, type CodeFeatures } from '../code/features';
import type { CodeFeatures as CodeFeaturesEvent, ExecutionRequest, ParseStatus } from '../../schemas/types.generated';

/**
 * The analyser's features as the prm.code-features event carries them, and back. The event
 * holds only part of what the analyser computes, so a model retrained from stored events sees
 * the "event view" of a program: the event's figures, every other feature at zero. The
 * predictor feeds a retrained model the same view (analyse, then round-trip through the
 * event), so training and serving see identical inputs.
 */
export function codeFeaturesEvent(request: Pick<ExecutionRequest, 'requestId' | 'userId' | 'submittedAt' | 'language'>, f: CodeFeatures, parseMs: number): CodeFeaturesEvent {
  return {
    requestId: request.requestId,
    userId: request.userId,
    analyzedAt: request.submittedAt,
    language: request.language,
    parseStatus: parseStatusOf(f),
    codeBytes: f.bytes,
    lines: f.loc,
    cyclomaticComplexity: f.cyclomatic,
    maxNestingDepth: f.maxNesting,
    loopCount: f.loops,
    maxLoopNesting: f.maxLoopDepth,
    functionCount: f.functions,
    recursiveFunctionCount: f.recursiveFunctions,
    importCount: f.imports,
    // The analyser counts external imports but keeps no specifiers.
    externalDependencies: [],
    // The analyser keeps the largest literals, not their total: their sum is a lower bound.
    literalBytes: f.maxStringLiteral + f.maxArrayLiteral,
    parseMs: Math.max(0, parseMs),
  };
}

function parseStatusOf(f: CodeFeatures): ParseStatus {
  if (f.parsed) return 'OK';
  // The step budget bounds the analysis' work, i.e. its time: the analyser has no clock of its own.
  if (/-step limit/.test(f.reason ?? '')) return 'TIMEOUT';
  return /limit|nest deeper/.test(f.reason ?? '') ? 'TOO_LARGE' : 'SYNTAX_ERROR';
}

/** The event's figures, in the stored row's or the event's spelling. */
export interface EventFigures {
  parseStatus: ParseStatus | string;
  codeBytes: number;
  lines: number;
  cyclomaticComplexity: number;
  maxNestingDepth: number;
  loopCount: number;
  maxLoopNesting: number;
  functionCount: number;
  recursiveFunctionCount: number;
  importCount: number;
}

/** The event view as analyser features: what a retrained model is fitted on and fed. */
export function featuresFromEvent(e: EventFigures): CodeFeatures {
  const view = unparsedFeatures(e.codeBytes, e.lines, e.parseStatus);
  if (e.parseStatus !== 'OK') return view;
  return {
    ...view,
    parsed: true,
    reason: undefined,
    loc: e.lines,
    cyclomatic: e.cyclomaticComplexity,
    maxNesting: e.maxNestingDepth,
    loops: e.loopCount,
    maxLoopDepth: e.maxLoopNesting,
    functions: e.functionCount,
    recursiveFunctions: e.recursiveFunctionCount,
    imports: e.importCount,
  };
}

/** Analyser features reduced to what the event keeps. */
export function eventView(f: CodeFeatures): CodeFeatures {
  return featuresFromEvent(codeFeaturesEvent({ requestId: '-', userId: '-', submittedAt: new Date(0), language: 'JAVASCRIPT' }, f, 0));
}
