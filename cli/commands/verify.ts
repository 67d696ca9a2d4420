import { writeFileSync } from 'node:fs';
import { numberFlag, parseFlags } from '../args';
import { type Command, UsageError } from '../command';

/** A `prm verify <check>`: each check parses its own flags and returns the exit code. */
interface Check {
  summary: string;
  run(argv: string[]): Promise<number>;
}

// Heavy modules load when a check runs, keeping `prm --help` cheap. require, not import():
// under tsx's CommonJS hook (cli/prm.cjs) import() does not resolve extensionless .ts paths.

const say = (message: string) => process.stderr.write(`[verify] ${message}\n`);

function writeJson(file: string | undefined, facts: unknown): void {
  if (!file) return;
  writeFileSync(file, `${JSON.stringify(facts, null, 2)}\n`);
  say(`wrote ${file}`);
}

function table(rows: [string, string | number | boolean][]): string {
  const width = Math.max(...rows.map(([k]) => k.length));
  return `${rows.map(([k, v]) => `${k.padEnd(width)}  ${v}`).join('\n')}\n`;
}

async function brokers(): Promise<string[]> {
  if (process.env.KAFKA_BROKERS) return process.env.KAFKA_BROKERS.split(',').map((b) => b.trim()).filter(Boolean);
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { resolveEndpoints } = require('../../stack/endpoints') as typeof import('../../stack/endpoints');
  return resolveEndpoints().kafkaBrokers;
}

function positiveInt(name: string, value: string | undefined, fallback: number, min = 1): number {
  const n = numberFlag(name, value, fallback);
  if (!Number.isInteger(n) || n < min) throw new UsageError(`--${name} must be an integer >= ${min}, got ${n}`);
  return n;
}

const checks: Record<string, Check> = {
  'exactly-once': {
    summary: 'count keyed records in child processes while SIGKILLing them; report lost and duplicated',
    async run(argv) {
      const { values } = parseFlags(argv, {
        records: { type: 'string' },
        kills: { type: 'string' },
        instances: { type: 'string' },
        partitions: { type: 'string' },
        keys: { type: 'string' },
        seed: { type: 'string' },
        json: { type: 'string' },
      });
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const { runExactlyOnce } = require('../../streams/runtime/verify/exactly-once') as typeof import('../../streams/runtime/verify/exactly-once');
      const report = await runExactlyOnce({
        brokers: await brokers(),
        records: positiveInt('records', values.records, 20_000),
        kills: positiveInt('kills', values.kills, 2, 0),
        instances: positiveInt('instances', values.instances, 2),
        partitions: positiveInt('partitions', values.partitions, 4),
        keys: positiveInt('keys', values.keys, 1000),
        seed: values.seed === undefined ? undefined : positiveInt('seed', values.seed, 0, 0),
        progress: say,
      });
      const { check: _check, ...facts } = report;
      process.stdout.write(
        table([
          ['records produced', facts.recordsProduced],
          ['records lost', facts.recordsLost],
          ['records duplicated', facts.recordsDuplicated],
          ['final per-key counts correct', facts.finalCountsCorrect],
          ['instances', facts.instances],
          ['kills (SIGKILL + restart)', facts.killsPerformed],
          ['restores (non-empty)', facts.restore.restores],
          ['restore time max / mean (ms)', `${facts.restore.maxMs} / ${facts.restore.meanMs}`],
          ['largest restore (records)', facts.restore.maxRecords],
          ['throughput (records/s, incl. failovers)', facts.throughputRecordsPerSec],
        ]),
      );
      writeJson(values.json, facts);
      return facts.recordsLost === 0 && facts.recordsDuplicated === 0 && facts.finalCountsCorrect ? 0 : 1;
    },
  },
  restore: {
    summary: 'time restoring a keyed store from its changelog (default 1,000,000 keys)',
    async run(argv) {
      const { values } = parseFlags(argv, { keys: { type: 'string' }, json: { type: 'string' } });
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const { runRestoreBench } = require('../../streams/runtime/verify/restore-bench') as typeof import('../../streams/runtime/verify/restore-bench');
      const facts = await runRestoreBench({ brokers: await brokers(), keys: positiveInt('keys', values.keys, 1_000_000), progress: say });
      process.stdout.write(
        table([
          ['keys', facts.keys],
          ['changelog records replayed', facts.records],
          ['restore time (ms)', facts.restoreMs],
          ['  of which group join (ms)', facts.assignMs],
          ['restore rate (records/s)', facts.recordsPerSec],
          ['store size after restore', facts.storeSize],
          ['restored values correct', facts.valuesCorrect],
        ]),
      );
      writeJson(values.json, facts);
      return facts.valuesCorrect && facts.storeSize === facts.keys ? 0 : 1;
    },
  },
};

export const command: Command = {
  name: 'verify',
  summary: 'end-to-end checks against the configured Kafka (exactly-once under SIGKILL, restore time)',
  usage: `
usage: prm verify <check> [options]

checks:
${Object.entries(checks)
  .map(([name, c]) => `  ${name.padEnd(13)} ${c.summary}`)
  .join('\n')}

prm verify exactly-once [--records N] [--kills K] [--instances I] [--partitions P] [--keys K] [--seed S] [--json FILE]
  Runs a keyed counting topology in I child processes, SIGKILLs a random instance K times at
  random points of the stream and restarts it, then reads the outputs read_committed. Exit 1
  if any record was lost or doubled or a key's final count is wrong. Defaults: 20000 records,
  2 kills, 2 instances, 4 partitions, 1000 keys.

prm verify restore [--keys N] [--json FILE]
  Writes N distinct keys to a compacted changelog (in transactions, like the runtime) and times
  restoring them into a store with the runtime's restore path. Default 1000000 keys.

Kafka comes from KAFKA_BROKERS or the local stack ('npx prm stack up').
`,
  async run(argv) {
    const [name, ...rest] = argv;
    const check = name === undefined ? undefined : checks[name];
    if (!check) throw new UsageError(name ? `unknown check '${name}'` : 'which check? (exactly-once, restore)');
    return check.run(rest);
  },
};
