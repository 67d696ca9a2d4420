import { TraceFormatError } from './bitbrains';
import type { TraceJob } from './jobs';

/**
 * Azure LLM inference trace 2023 (Azure/AzurePublicDataset, CC-BY 4.0): TIMESTAMP,
 * ContextTokens, GeneratedTokens. There is no tenant, so every request is one user's and tier 0;
 * size comes from the tokens: one core for prefill at `prefillTokensPerSecond` plus decoding at
 * `decodeTokensPerSecond` (defaults 2000 and 40 tokens/s per core, a CPU-served model's order of
 * magnitude; only relative sizes matter to the scheduler).
 */
export interface AzureLlmSizing {
  prefillTokensPerSecond?: number;
  decodeTokensPerSecond?: number;
}

export function parseAzureLlmLine(line: string, lineNumber: number, { prefillTokensPerSecond = 2000, decodeTokensPerSecond = 40 }: AzureLlmSizing = {}): TraceJob | undefined {
  if (line.startsWith('TIMESTAMP')) return undefined;
  const f = line.split(',');
  if (f.length !== 3) throw new TraceFormatError(`azure-llm line ${lineNumber}: expected 3 fields, got ${f.length}`);
  // '2023-11-16 18:17:03.9799600': UTC per the dataset; more than millisecond digits are dropped.
  const m = /^(\d{4}-\d{2}-\d{2}) (\d{2}:\d{2}:\d{2})(\.\d+)?$/.exec(f[0]!.trim());
  const context = Number(f[1]);
  const generated = Number(f[2]);
  if (!m || !Number.isFinite(context) || !Number.isFinite(generated)) throw new TraceFormatError(`azure-llm line ${lineNumber}: cannot parse '${line}'`);
  const arrival = Date.parse(`${m[1]}T${m[2]}Z`) / 1000 + Number(m[3] ?? 0);
  return {
    id: `req-${lineNumber}`, user: 'azure-llm', tier: 0, arrival, cores: 1, memory: 0, replicas: 1,
    durationSeconds: context / prefillTokensPerSecond + generated / decodeTokensPerSecond,
  };
}
