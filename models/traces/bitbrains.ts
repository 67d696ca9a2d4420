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

/** The metrics a grid can keep per VM per step. */
export type BitbrainsMetric = 'cpuUsageMhz' | 'memUsageKb' | 'diskReadKbps' | 'diskWriteKbps';

export const BITBRAINS_METRICS: readonly BitbrainsMetric[] = ['cpuUsageMhz', 'memUsageKb', 'diskReadKbps', 'diskWriteKbps'];

/** Per-VM series on one shared regular grid; NaN where a VM reported nothing in a step. */
export interface BitbrainsGrid {
  startSeconds: number;
  stepSeconds: number;
  steps: number;
  vmIds: number[];
  /** vmId -> metric -> values (length `steps`); only the metrics the builder was asked to keep. */
  series: Map<number, Partial<Record<BitbrainsMetric, Float64Array>>>;
  /** vmId -> MHz of one core (capacity / cores), to turn MHz into cores. */
  mhzPerCore: Map<number, number>;
}

/** One VM's running sums, indexed from its own first step; grows by doubling at either end. */
interface VmBins {
  firstStep: number;
  length: number;
  sums: Float64Array[];
  counts: Uint16Array;
}

export interface BitbrainsGridOptions {
  /** Grid step; default 300 s, the trace's own sampling interval. */
  stepSeconds?: number;
  /** Metrics to keep; default all four. Keeping only CPU quarters the memory of a two-month grid. */
  metrics?: readonly BitbrainsMetric[];
}

/**
 * Builds the grid while samples stream in, so two months of 500 VMs never sit in memory as row
 * objects: each VM keeps only per-step sums and counts. Step i covers [start + i*step,
 * start + (i+1)*step); several samples of a VM in one step are averaged (the trace's rows are
 * averages over their interval, so the mean keeps units). `start` is floored to the step so grids
 * of different files line up. Samples may arrive in any order and from several files.
 */
export class BitbrainsGridBuilder {
  private readonly stepSeconds: number;
  private readonly metrics: readonly BitbrainsMetric[];
  private readonly vms = new Map<number, VmBins>();
  private readonly mhzPerCore = new Map<number, number>();

  constructor({ stepSeconds = 300, metrics = BITBRAINS_METRICS }: BitbrainsGridOptions = {}) {
    if (!(stepSeconds > 0)) throw new RangeError(`stepSeconds must be positive, got ${stepSeconds}`);
    if (metrics.length === 0) throw new RangeError('keep at least one metric');
    this.stepSeconds = stepSeconds;
    this.metrics = metrics;
  }

  add(s: BitbrainsSample): void {
    const step = Math.floor(s.timestampSeconds / this.stepSeconds);
    let vm = this.vms.get(s.vmId);
    if (!vm) {
      vm = { firstStep: step, length: 0, sums: this.metrics.map(() => new Float64Array(1024)), counts: new Uint16Array(1024) };
      this.vms.set(s.vmId, vm);
    }
    if (step < vm.firstStep) growFront(vm, vm.firstStep - step);
    const i = step - vm.firstStep;
    if (i >= vm.counts.length) growBack(vm, i + 1);
    for (let m = 0; m < this.metrics.length; m++) vm.sums[m]![i]! += s[this.metrics[m]!];
    vm.counts[i]! += 1;
    if (i >= vm.length) vm.length = i + 1;
    if (s.cpuCores > 0 && s.cpuCapacityMhz > 0) this.mhzPerCore.set(s.vmId, s.cpuCapacityMhz / s.cpuCores);
  }

  /** Aligns every VM on the common grid; releases each VM's bins as it goes to bound peak memory. */
  build(): BitbrainsGrid {
    if (this.vms.size === 0) throw new TraceFormatError('bitbrains trace has no samples');
    let first = Infinity;
    let end = -Infinity;
    for (const vm of this.vms.values()) {
      first = Math.min(first, vm.firstStep);
      end = Math.max(end, vm.firstStep + vm.length);
    }
    const steps = end - first;
    const vmIds = [...this.vms.keys()].sort((a, b) => a - b);
    const series = new Map<number, Partial<Record<BitbrainsMetric, Float64Array>>>();
    for (const vmId of vmIds) {
      const vm = this.vms.get(vmId)!;
      const offset = vm.firstStep - first;
      const record: Partial<Record<BitbrainsMetric, Float64Array>> = {};
      this.metrics.forEach((metric, m) => {
        const out = new Float64Array(steps).fill(NaN);
        const sums = vm.sums[m]!;
        for (let i = 0; i < vm.length; i++) {
          const c = vm.counts[i]!;
          if (c > 0) out[offset + i] = sums[i]! / c;
        }
        record[metric] = out;
      });
      series.set(vmId, record);
      this.vms.delete(vmId);
    }
    return { startSeconds: first * this.stepSeconds, stepSeconds: this.stepSeconds, steps, vmIds, series, mhzPerCore: new Map(this.mhzPerCore) };
  }
}

function growBack(vm: VmBins, needed: number): void {
  let cap = vm.counts.length;
  while (cap < needed) cap *= 2;
  vm.sums = vm.sums.map((a) => { const b = new Float64Array(cap); b.set(a); return b; });
  const counts = new Uint16Array(cap);
  counts.set(vm.counts);
  vm.counts = counts;
}

function growFront(vm: VmBins, by: number): void {
  const cap = Math.max(vm.counts.length * 2, vm.length + by);
  vm.sums = vm.sums.map((a) => { const b = new Float64Array(cap); b.set(a.subarray(0, vm.length), by); return b; });
  const counts = new Uint16Array(cap);
  counts.set(vm.counts.subarray(0, vm.length), by);
  vm.counts = counts;
  vm.firstStep -= by;
  vm.length += by;
}

/** Builds a grid from an in-memory or generated sequence of samples (see BitbrainsGridBuilder). */
export function buildBitbrainsGrid(samples: Iterable<BitbrainsSample>, options: BitbrainsGridOptions | number = {}): BitbrainsGrid {
  const builder = new BitbrainsGridBuilder(typeof options === 'number' ? { stepSeconds: options } : options);
  for (const s of samples) builder.add(s);
  return builder.build();
}
