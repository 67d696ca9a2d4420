/** What each stage produced for one request: records read_committed, and rows in the database. */
export interface RequestCounts {
  /** Copies of the request on prm.requests (1 unless the producer doubled it). */
  requests: number;
  predictions: number;
  dispatches: number;
  /** Telemetry records on prm.telemetry. */
  telemetry: number;
  /** Its rows in execution_telemetry. */
  telemetryRows: number;
}

/** Requests lost or doubled at one stage. */
export interface StageTally {
  lost: number;
  duplicated: number;
}

export interface Tally {
  requests: number;
  /** Requests missing an output at some stage (counted once however many stages miss it). */
  lost: number;
  /** Requests with more than one output at some stage (counted once). */
  duplicated: number;
  stages: Record<'predictions' | 'dispatches' | 'telemetry' | 'telemetryRows', StageTally>;
  /** Requests the producer wrote more than once (not the pipeline's doing; would explain duplicates). */
  requestsDoubled: number;
}

const stageNames = ['predictions', 'dispatches', 'telemetry', 'telemetryRows'] as const;

/**
 * Counts, over a set of requests, those that are not exactly-once at every stage: one
 * prediction, one dispatch (a queued job not lost), one telemetry record and one telemetry row.
 */
export function tally(counts: readonly RequestCounts[]): Tally {
  const stages = Object.fromEntries(stageNames.map((s) => [s, { lost: 0, duplicated: 0 }])) as Tally['stages'];
  let lost = 0;
  let duplicated = 0;
  let requestsDoubled = 0;
  for (const c of counts) {
    let isLost = false;
    let isDuplicated = false;
    for (const s of stageNames) {
      if (c[s] === 0) {
        stages[s].lost++;
        isLost = true;
      } else if (c[s] > 1) {
        stages[s].duplicated++;
        isDuplicated = true;
      }
    }
    if (isLost) lost++;
    if (isDuplicated) duplicated++;
    if (c.requests > 1) requestsDoubled++;
  }
  return { requests: counts.length, lost, duplicated, stages, requestsDoubled };
}
