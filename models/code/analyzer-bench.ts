import type { Analyzer, AnalyzerOptions } from './analyzer';
import { quantile } from './metrics';

export interface BenchRow {
  /** Size bucket, e.g. "corpus" or "64KB". */
  sources: string;
  count: number;
  mean_bytes: number;
  mean_lines: number;
  p50_ms: number;
  p99_ms: number;
  max_ms: number;
  lines_per_s: number;
}

/**
 * Times cold analyses (no cache): each corpus program alone, then synthetic sources of 8 to
 * 64 KB made by concatenating corpus programs, each wrapped in its own block so their
 * declarations do not clash. The clock is injected so this stays a pure function of its inputs.
 */
export function benchAnalyzer(create: (o: AnalyzerOptions) => Analyzer, programs: string[], now: () => number, repeats = 1): BenchRow[] {
  const analyzer = create({ cacheSize: 0 });
  const rows: BenchRow[] = [time('corpus', programs)];
  for (const kb of [8, 16, 32, 64]) {
    const built: string[] = [];
    for (let start = 0; built.length < 20; start += 7) {
      let text = '';
      for (let i = start; Buffer.byteLength(text) < kb * 1024 - 2048; i++) text += `{\n${programs[i % programs.length]}\n}\n`;
      built.push(text);
    }
    rows.push(time(`${kb}KB`, built));
  }
  return rows;

  function time(label: string, sources: string[]): BenchRow {
    for (const s of sources.slice(0, 5)) analyzer.analyze(s); // warm the JIT
    const ms: number[] = [];
    let lines = 0;
    let bytes = 0;
    for (let r = 0; r < repeats; r++) {
      for (const s of sources) {
        const t0 = now();
        const f = analyzer.analyze(s);
        ms.push(now() - t0);
        lines += f.lines;
        bytes += f.bytes;
      }
    }
    const total = ms.reduce((a, b) => a + b, 0);
    const r2 = (x: number) => Math.round(x * 100) / 100;
    return {
      sources: label, count: sources.length,
      mean_bytes: Math.round(bytes / ms.length), mean_lines: Math.round(lines / ms.length),
      p50_ms: r2(quantile(ms, 0.5)), p99_ms: r2(quantile(ms, 0.99)), max_ms: r2(Math.max(...ms)),
      lines_per_s: Math.round(lines / (total / 1000)),
    };
  }
}

export function formatBench(rows: BenchRow[]): string {
  const head = 'sources  count  mean_bytes  mean_lines  p50_ms  p99_ms  max_ms  lines_per_s';
  const body = rows.map((r) => [r.sources.padEnd(7), String(r.count).padStart(5), String(r.mean_bytes).padStart(10), String(r.mean_lines).padStart(10),
    r.p50_ms.toFixed(2).padStart(6), r.p99_ms.toFixed(2).padStart(6), r.max_ms.toFixed(2).padStart(6), String(r.lines_per_s).padStart(11)].join('  '));
  return `${head}\n${body.join('\n')}\n`;
}
