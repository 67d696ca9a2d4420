/**
 * The GWA-T-12 Bitbrains "Rnd" per-VM trace (TU Delft Grid Workloads Archive; Shen, van Beek,
 * Iosup, CCGrid 2015) in its joined CSV form: one row per VM about every 300 s, not aligned
 * across VMs. In PRM each VM is one user whose usage over time is that user's demand.
 */
export interface BitbrainsSample {
  vmId: number;
  timestampSeconds: number;
  cpuCores: number;
  cpuCapacityMhz: number;
  cpuUsageMhz: number;
  memCapacityKb: number;
  memUsageKb: number;
  diskReadKbps: number;
  diskWriteKbps: number;
  netRxKbps: number;
  netTxKbps: number;
}

export const BITBRAINS_HEADER =
  'vm_id,timestamp_s,cpu_cores,cpu_capacity_mhz,cpu_usage_mhz,cpu_usage_pct,mem_capacity_kb,mem_usage_kb,disk_read_kbps,disk_write_kbps,net_rx_kbps,net_tx_kbps';

export class TraceFormatError extends Error {
  override name = 'TraceFormatError';
}

/**
 * Parses one data line; returns undefined for the header. A row with a missing or non-numeric
 * field, or negative usage, is an error naming the line: silently skipping it would shift the
 * grid without anyone noticing.
 */
export function parseBitbrainsLine(line: string, lineNumber: number): BitbrainsSample | undefined {
  if (line.startsWith('vm_id')) return undefined;
  const f = line.split(',');
  if (f.length !== 12) throw new TraceFormatError(`bitbrains line ${lineNumber}: expected 12 fields, got ${f.length}`);
  const n = f.map(Number);
  if (n.some((v) => !Number.isFinite(v))) throw new TraceFormatError(`bitbrains line ${lineNumber}: non-numeric field in '${line}'`);
  const sample: BitbrainsSample = {
    vmId: n[0]!, timestampSeconds: n[1]!, cpuCores: n[2]!, cpuCapacityMhz: n[3]!, cpuUsageMhz: n[4]!,
    memCapacityKb: n[6]!, memUsageKb: n[7]!, diskReadKbps: n[8]!, diskWriteKbps: n[9]!, netRxKbps: n[10]!, netTxKbps: n[11]!,
  };
  if (sample.cpuUsageMhz < 0 || sample.memUsageKb < 0) throw new TraceFormatError(`bitbrains line ${lineNumber}: negative usage`);
  return sample;
}

/** The metrics a grid keeps per VM per step. */
export type BitbrainsMetric = 'cpuUsageMhz' | 'memUsageKb' | 'diskReadKbps' | 'diskWriteKbps';

/** Per-VM series on one shared regular grid; NaN where a VM reported nothing in a step. */
export interface BitbrainsGrid {
  startSeconds: number;
  stepSeconds: number;
  steps: number;
  vmIds: number[];
  /** vmId -> metric -> values (length `steps`). */
  series: Map<number, Record<BitbrainsMetric, Float64Array>>;
  /** vmId -> MHz of one core (capacity / cores), to turn MHz into cores. */
  mhzPerCore: Map<number, number>;
}

const METRICS: BitbrainsMetric[] = ['cpuUsageMhz', 'memUsageKb', 'diskReadKbps', 'diskWriteKbps'];

/**
 * Builds the grid: step i covers [start + i*step, start + (i+1)*step); several samples of a VM in
 * one step are averaged (the trace's own rows are averages over their interval, so the mean keeps
 * units). `start` is floored to the step so grids of different files line up.
 */
export function buildBitbrainsGrid(samples: Iterable<BitbrainsSample>, stepSeconds = 300): BitbrainsGrid {
  const rows: BitbrainsSample[] = [];
  let minT = Infinity;
  let maxT = -Infinity;
  for (const s of samples) {
    rows.push(s);
    if (s.timestampSeconds < minT) minT = s.timestampSeconds;
    if (s.timestampSeconds > maxT) maxT = s.timestampSeconds;
  }
  if (rows.length === 0) throw new TraceFormatError('bitbrains trace has no samples');
  const startSeconds = Math.floor(minT / stepSeconds) * stepSeconds;
  const steps = Math.floor((maxT - startSeconds) / stepSeconds) + 1;
  const sums = new Map<number, Record<BitbrainsMetric, Float64Array>>();
  const counts = new Map<number, Uint16Array>();
  const mhzPerCore = new Map<number, number>();
  for (const s of rows) {
    let sum = sums.get(s.vmId);
    let count = counts.get(s.vmId);
    if (!sum || !count) {
      sum = Object.fromEntries(METRICS.map((m) => [m, new Float64Array(steps)])) as Record<BitbrainsMetric, Float64Array>;
      count = new Uint16Array(steps);
      sums.set(s.vmId, sum);
      counts.set(s.vmId, count);
    }
    if (s.cpuCores > 0 && s.cpuCapacityMhz > 0) mhzPerCore.set(s.vmId, s.cpuCapacityMhz / s.cpuCores);
    const i = Math.floor((s.timestampSeconds - startSeconds) / stepSeconds);
    for (const m of METRICS) sum[m][i]! += s[m];
    count[i]! += 1;
  }
  for (const [vmId, sum] of sums) {
    const count = counts.get(vmId)!;
    for (const m of METRICS) {
      const values = sum[m];
      for (let i = 0; i < steps; i++) values[i] = count[i]! > 0 ? values[i]! / count[i]! : NaN;
    }
  }
  const vmIds = [...sums.keys()].sort((a, b) => a - b);
  return { startSeconds, stepSeconds, steps, vmIds, series: sums, mhzPerCore };
}
