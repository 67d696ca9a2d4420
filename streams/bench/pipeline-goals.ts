import type { PhaseResult, PipelineBenchReport } from './pipeline-bench';

/**
 * The fewest committed chunks per partition a drain's rate is judged on. A small --backlog is
 * drained in a few rounds of transactions, whose outputs arrive in a few bursts: the rate between
 * them says nothing about what the loop sustains. The default backlog gives about 26 a partition.
 */
export const MIN_CHUNKS_PER_PARTITION = 10;

/** The issue's three goals, judged on a run's phases. */
export function goals(r: Pick<PipelineBenchReport, 'phases'> & { setup: Pick<PipelineBenchReport['setup'], 'partitions'> }): PipelineBenchReport['goals'] {
  const max = r.phases.find((p) => p.phase === 'pipeline-max');
  const eos = r.phases.find((p) => p.phase === 'raw-eos');
  const latency = r.phases.find((p) => p.phase === 'pipeline-latency');
  const out: PipelineBenchReport['goals'] = [];
  const fewest = MIN_CHUNKS_PER_PARTITION * r.setup.partitions;
  const tooShort = (drains: (PhaseResult | undefined)[]) => {
    const chunks = (p: PhaseResult) => p.transactions?.count ?? 0;
    const short = drains.filter((p): p is PhaseResult => p !== undefined && chunks(p) < fewest);
    return short.length === 0
      ? undefined
      : `not judged: ${short.map((p) => (p.transactions ? `${p.phase} committed ${chunks(p)} chunks` : `${p.phase}'s worker reported no chunks`)).join(', ')}, ` +
        `under ${fewest} (${MIN_CHUNKS_PER_PARTITION} a partition: a larger --backlog)`;
  };
  if (max) {
    const maxShort = tooShort([max]);
    out.push({ goal: '>= 20,000 requests/s exactly-once', measured: `${max.achievedPerSecond}/s${maxShort ? `, ${maxShort}` : ''}`, met: maxShort ? null : max.achievedPerSecond >= 20_000 });
    if (max.ratioToRawEos !== null) {
      const ratioShort = tooShort([max, eos]);
      out.push({ goal: '>= 40% of the raw exactly-once loop', measured: `${(max.ratioToRawEos * 100).toFixed(1)}%${ratioShort ? `, ${ratioShort}` : ''}`, met: ratioShort ? null : max.ratioToRawEos >= 0.4 });
    }
  }
  if (latency) {
    out.push({
      goal: `p99 <= 50 ms at ${latency.offeredPerSecond}/s`,
      measured: `p99 ${latency.p99Ms} ms, ${latency.sustained ? 'sustained' : 'not sustained'}`,
      met: latency.sustained === true && latency.p99Ms !== null && latency.p99Ms <= 50,
    });
  }
  return out;
}
