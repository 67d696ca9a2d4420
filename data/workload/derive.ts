/**
 * Derives the bundled workload (data/workload/workload.jsonl, PRM's `jobs` trace format) from the
 * real traces, so the product never reads them at run time:
 *
 *   npx tsx data/workload/derive.ts [DATA_DIR] [--hours H]     (DATA_DIR default /work/shared/data)
 *
 * Three sources over the same H hours (default 6), each re-based to start at 2024-01-01T00:00Z:
 * - Bitbrains Rnd (rnd_2013-7): the first 12 VMs, each a user; every 5-minute step of CPU becomes
 *   requests of at most 60 CPU-seconds summing to it (deriveBitbrainsRequests, seed 1).
 * - Alibaba 2018 batch_task: instances of the finished tasks created in the trace's first H
 *   hours (at most 10 per task), at most 1500, each instance one request.
 * - Azure LLM inference 2023 (code): the first H hours of requests, at most 1500, sized by the
 *   trace reader's token throughput model.
 * Ids and users carry the source as a prefix so the three never collide.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { readLines } from '../../cli/read-lines';
import { derivationRandom, parseReplayLine, type ReplayJob, type TraceFormat } from '../../streams/executors/replay-workload';

const GiB = 1024 ** 3;
const BASE_MS = Date.UTC(2024, 0, 1);

async function take(path: string, format: TraceFormat, hours: number, cap: number, keep: (j: ReplayJob) => boolean = () => true): Promise<ReplayJob[]> {
  const random = derivationRandom(1);
  const jobs: ReplayJob[] = [];
  let n = 0;
  for await (const line of readLines(path)) {
    n++;
    if (line.trim() === '') continue;
    const parsed = parseReplayLine(format, line, n, random);
    const kept = parsed.filter(keep);
    if (format === 'bitbrains' && parsed.length > 0 && kept.length === 0) break; // grouped by VM: past the last one kept
    jobs.push(...kept);
  }
  jobs.sort((a, b) => a.traceTimeMs - b.traceTimeMs);
  const first = jobs[0]?.traceTimeMs ?? 0;
  return jobs.filter((j) => j.traceTimeMs - first < hours * 3600_000).slice(0, cap).map((j) => ({ ...j, traceTimeMs: j.traceTimeMs - first + BASE_MS }));
}

function jobsLine(source: string, j: ReplayJob): string {
  return JSON.stringify({
    id: `${source}:${j.id}`, user: `${source}:${j.userId}`, tier: j.tier, arrival: j.traceTimeMs / 1000,
    cores: Number(j.cores.toFixed(3)), memory: Number((j.peakMemoryBytes / GiB).toFixed(4)), duration_s: j.durationMs / 1000, replicas: 1,
  });
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const h = args.indexOf('--hours');
  const hours = h >= 0 ? Number(args[h + 1]) : 6;
  if (!(hours > 0)) throw new Error('--hours must be positive');
  const dataDir = args.find((a, i) => !a.startsWith('--') && (i === 0 || args[i - 1] !== '--hours')) ?? '/work/shared/data';
  const bitbrains = await take(join(dataDir, 'bitbrains-rnd', 'rnd_2013-7.csv.gz'), 'bitbrains', hours, Infinity, (j) => Number(j.userId.slice(3)) <= 12);
  // At most 10 instances of a task, so the 1500 requests come from many tasks, not two big ones.
  const alibaba = await take(join(dataDir, 'alibaba-2018', 'batch_task.csv'), 'alibaba-batch', hours, 1500, (j) => Number(j.id.split('#')[1]) < 10);
  const llm = await take(join(dataDir, 'azure-llm-2023', 'AzureLLMInferenceTrace_code.csv'), 'azure-llm', hours, 1500);
  const lines = [
    ...bitbrains.map((j) => ({ t: j.traceTimeMs, line: jobsLine('bitbrains', j) })),
    ...alibaba.map((j) => ({ t: j.traceTimeMs, line: jobsLine('alibaba', j) })),
    ...llm.map((j) => ({ t: j.traceTimeMs, line: jobsLine('azure-llm', j) })),
  ].sort((a, b) => a.t - b.t).map((x) => x.line);
  const out = join(__dirname, 'workload.jsonl');
  writeFileSync(out, `${lines.join('\n')}\n`);
  process.stderr.write(`wrote ${lines.length} requests (bitbrains ${bitbrains.length}, alibaba ${alibaba.length}, azure-llm ${llm.length}) over ${hours} h to ${out}\n`);
}

main().catch((err: unknown) => {
  process.stderr.write(`${(err as Error).stack ?? String(err)}\n`);
  process.exit(1);
});
