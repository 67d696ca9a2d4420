import { writeFileSync } from 'node:fs';
import type { Command } from '../command';
import { UsageError } from '../command';
import { numberFlag, parseFlags } from '../args';

/** One benchmark: `prm bench <name> ...`. Add new ones (e.g. `pipeline`) to BENCHES. */
interface Bench {
  summary: string;
  usage: string;
  run(argv: string[]): Promise<number>;
}

const profiles: Bench = {
  summary: 'memory per user profile and profile updates per second on one core',
  usage: `prm bench profiles [--users 100000] [--events 50] [--updates 2000000] [--seed 1] [--json FILE]
  --users N     profiles held in memory at once (default 100000)
  --events E    events given to each profile before memory is measured (default 50)
  --updates U   timed updates, round-robin over the users (default 2000000)`,
  async run(argv) {
    const { values } = parseFlags(argv, {
      users: { type: 'string' }, events: { type: 'string' }, updates: { type: 'string' }, seed: { type: 'string' }, json: { type: 'string' },
    });
    const users = numberFlag('users', values.users, 100_000);
    const eventsPerUser = numberFlag('events', values.events, 50);
    const updates = numberFlag('updates', values.updates, 2_000_000);
    for (const [name, v] of [['users', users], ['events', eventsPerUser], ['updates', updates]] as const) {
      if (!Number.isInteger(v) || v < 1) throw new UsageError(`--${name} must be a positive integer`);
    }
    /* eslint-disable @typescript-eslint/no-require-imports */
    const { runProfileBench } = require('../../models/profiles/profile-benchmark') as typeof import('../../models/profiles/profile-benchmark');
    const v8 = require('node:v8') as typeof import('node:v8');
    const vm = require('node:vm') as typeof import('node:vm');
    /* eslint-enable @typescript-eslint/no-require-imports */
    // A full GC before each reading makes the heap delta the profiles' size, not garbage.
    v8.setFlagsFromString('--expose-gc');
    const gc = vm.runInNewContext('gc') as () => void;
    const report = runProfileBench({
      users, eventsPerUser, updates, seed: numberFlag('seed', values.seed, 1),
      memory: () => { const m = process.memoryUsage(); return m.heapUsed + m.arrayBuffers; },
      gc,
      clock: () => performance.now(),
      cpuClock: () => { const u = process.cpuUsage(); return (u.user + u.system) / 1000; },
      log: (line) => process.stderr.write(`${line}\n`),
    });
    const rows: [string, string, string][] = [
      ['profiles in memory', report.users.toLocaleString('en'), ''],
      ['bytes per profile (heap + buffers)', report.bytes_per_profile_in_memory.toFixed(0), 'goal <= 2048'],
      ['bytes per profile (binary)', report.bytes_per_profile_binary.toFixed(0), 'goal <= 2048'],
      ['bytes per profile (JSON snapshot)', report.bytes_per_profile_json.toFixed(0), ''],
      ['updates per CPU-second (one core)', Math.round(report.updates_per_second).toLocaleString('en'), 'goal >= 200,000'],
      ['updates per wall-second (shared machine)', Math.round(report.updates_per_wall_second).toLocaleString('en'), ''],
      ['ns per update', report.ns_per_update.toFixed(0), ''],
    ];
    const w = Math.max(...rows.map((r) => r[0].length));
    process.stdout.write(`${rows.map(([k, v, g]) => `${k.padEnd(w)}  ${v.padStart(12)}  ${g}`).join('\n')}\n`);
    if (values.json) writeFileSync(values.json, `${JSON.stringify(report, null, 2)}\n`);
    return 0;
  },
};

const BENCHES: Record<string, Bench> = { profiles };

const usage = `usage: prm bench <name> [options]

benchmarks:
${Object.entries(BENCHES).map(([name, b]) => `  ${name.padEnd(10)} ${b.summary}`).join('\n')}

${Object.values(BENCHES).map((b) => b.usage).join('\n\n')}`;

export const command: Command = {
  name: 'bench',
  summary: 'Benchmarks that print a table and write JSON (profiles, ...)',
  usage,
  async run(argv) {
    const [name, ...rest] = argv;
    const bench = name ? BENCHES[name] : undefined;
    if (!bench) throw new UsageError(name ? `unknown benchmark '${name}'` : 'name a benchmark');
    return bench.run(rest);
  },
};
