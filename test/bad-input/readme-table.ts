/**
 * Prints the case table of test/bad-input/README.md from the corpus:
 *   npx tsx test/bad-input/readme-table.ts
 * The integration test checks that the README names every case.
 */
import type { EventSerde } from '../../schemas/serde';
import { prmTopology } from '../../streams/topology';
import { analyzer, opsEstimator, setup } from '../unit/processors/fixtures';
import { corpus, type Expected } from './corpus';

const topology = prmTopology({
  topics: setup().topics, analyzer, estimator: opsEstimator, estimatorVersion: 'readme',
  planner: { minInstances: 1, maxInstances: 4, bootDelaySeconds: 2 },
  capacity: { pool: 'pool', tasks: 2, instances: 2, instanceCores: 2, instanceMemoryBytes: 2 ** 30 },
});
const readers = (topic: string) => topology.processors.filter((p) => Object.values(p.inputs).some((i) => i.name === topic)).map((p) => p.name).join(', ');
const pattern = (r: RegExp) => `\`${r.source.replace(/\|/g, '\\|')}\``;

function outcome(e: Expected, topic: string): string {
  switch (e.kind) {
    case 'dead-letter': return `dead-lettered \`${e.reason}\` by ${readers(topic)}, message ${pattern(e.message)}`;
    case 'rejected-at-producer': return `send refused, error ${pattern(e.error)}; nothing reaches the topic`;
    case 'predicted': return `one prediction and one dispatch per request${e.analysis ? `; analyser: not parsed, ${pattern(e.analysis)}` : ''}; ` +
      `CodeFeatures.parseStatus \`${e.parseStatus ?? 'OK'}\`${e.coldStart ? '; profileObservations 0' : ''}`;
    case 'dispatched-once': return `sent ${e.times} times, dispatched exactly once`;
    case 'profiled': return `${e.profiles} profile snapshot(s) for the user${e.deadLetters ? `; record(s) ${e.deadLetters.records.join(', ')} dead-lettered ` +
      `\`${e.deadLetters.reason}\` by ${e.deadLetters.processors.join(', ')}, ${pattern(e.deadLetters.message)}` : ''}`;
    case 'dispatched': return 'accepted and dispatched once (allocation clamped to the instance)';
    case 'accepted': return 'accepted: no processor dead-letters it, and the good records after it are not dead-lettered either';
    case 'sandboxed': return `dispatched; the real sandbox stops it: ${e.status.join(' or ')}, reason ${pattern(e.reason)}`;
    case 'fair-share': return `every flooded request predicted once; each other user's job on the partition overtaken by at most ${e.maxOvertakes} flood jobs`;
  }
}

// Only the records' topics are read here, so the values need not be real Avro.
const placeholderSerde = { encode: () => Buffer.alloc(0), schemaId: () => 0 } as unknown as EventSerde;
const rows = corpus.map((c, i) => {
  const topic = c.build({ serde: placeholderSerde, topic: (n) => n, now: Date.now(), partitionOf: (key) => key.length % 2, goodPool: 'pool' })[0]!.topic;
  const defect = c.knownDefect ? ` — **known defect** (\`test.failing\`): ${c.knownDefect}` : '';
  return `| ${i + 1} | \`${c.name}\` | \`${topic}\` | ${c.input.replace(/\|/g, '\\|')} | ${outcome(c.expected, topic)}${defect} |`;
});
process.stdout.write(`| # | case | topic | input | expected outcome |\n|---|------|-------|-------|------------------|\n${rows.join('\n')}\n`);
