import type { Estimate } from '../../../models/code/samples';
import { featuresFromEvent, type EventFigures } from '../../../models/training/code-features-event';
import type { TrainingRow } from '../../../models/training/dataset';
import { seededRandom } from '../../../models/seeded-random';

export const T0 = Date.UTC(2026, 10, 2, 0, 0, 0);

/**
 * A window of requests as the event view keeps them, whose usage follows their code: CPU time
 * grows tenfold per loop-nesting level and with the loop count, memory with the lines, with
 * some noise; one a minute. `figures` are the event's.
 */
export function windowRows(n: number, seed = 1): (TrainingRow & { figures: EventFigures })[] {
  const random = seededRandom(seed);
  return Array.from({ length: n }, (_, i) => {
    const nesting = i % 4;
    const loops = nesting + (i % 3);
    const lines = 5 + ((i * 7) % 60);
    const noise = Math.exp((random() - 0.5) * 0.3);
    const cpuMs = 2 * 10 ** nesting * (1 + loops) * noise;
    const figures: EventFigures = {
      parseStatus: 'OK', codeBytes: lines * 30, lines, cyclomaticComplexity: 1 + loops, maxNestingDepth: nesting + 1,
      loopCount: loops, maxLoopNesting: nesting, functionCount: i % 2, recursiveFunctionCount: 0, importCount: 0,
    };
    return {
      requestId: `r${String(i).padStart(4, '0')}`,
      userId: `u${i % 5}`,
      analyzedAt: new Date(T0 + i * 60_000),
      figures,
      features: featuresFromEvent(figures),
      cpuMs,
      peakMemoryBytes: (30 + lines) * 1024 * 1024,
      durationMs: cpuMs * 1.1 + 5,
    };
  });
}

/** The same figure for every request: what a version that ignores the code would have said. */
export function flatEstimate(cpuMs: number): Estimate {
  const q = (x: number) => ({ p50: x, p90: x * 1.5, p99: x * 2 });
  return { cpu_ms: q(cpuMs), peak_memory_mb: q(40), duration_ms: q(cpuMs) };
}
