import { parseFlags } from '../args';
import { bareJsonToStdout, emitJson, print } from '../output';
import type { Command } from '../command';
import { UsageError } from '../command';
import { StackError } from '../../stack/errors';

const serviceNames = ['kafka', 'timescale', 'registry'] as const;
type Name = (typeof serviceNames)[number];

const usage = `
usage: prm stack up [--only kafka,timescale,registry] [--json [FILE]]
       prm stack down [--json [FILE]]
       prm stack status [--json [FILE]]

Runs PRM's local services from this checkout, detached, with state under .stack/:
  kafka      Apache Kafka 4.1.1, one KRaft broker+controller (jars from Maven Central)
  timescale  embedded TimescaleDB (PGlite + timescaledb) on the Postgres wire protocol
  registry   PRM's Confluent-compatible schema registry

up      starts what is not running, waits until each service is ready, prints cold/warm
        start times and writes .stack/endpoints.json. A no-op for services already up.
down    stops them in reverse order (SIGTERM, then SIGKILL after PRM_STACK_STOP_TIMEOUT_MS).
status  probes each service; exit code 0 only when all are up.

Environment: PRM_KAFKA_PORT (9092), PRM_KAFKA_CONTROLLER_PORT (9093), PRM_REGISTRY_PORT (8081),
PRM_TIMESCALE_PORT (5433), PRM_KAFKA_HEAP (512m), PRM_STACK_READY_TIMEOUT_MS (120000),
PRM_STACK_STOP_TIMEOUT_MS (30000), PRM_STACK_DIR (.stack), PRM_CACHE_DIR (~/.cache/prm),
DATABASE_URL (use this database instead of the embedded TimescaleDB).
--json FILE writes the result as JSON; a bare --json (or --json -) prints it instead of the table.
`;

export const command: Command = {
  name: 'stack',
  summary: 'start, stop or inspect the local Kafka, schema registry and TimescaleDB',
  usage,
  async run(argv) {
    const { values, positionals } = parseFlags(bareJsonToStdout(argv), { only: { type: 'string' }, json: { type: 'string' } }, true);
    const [action, ...extra] = positionals;
    if (extra.length > 0) throw new UsageError(`unexpected arguments: ${extra.join(' ')}`);
    if (action !== 'up' && action !== 'down' && action !== 'status') {
      throw new UsageError(action ? `unknown action '${action}'` : 'missing action: up, down or status');
    }
    const only = values.only === undefined ? undefined : parseOnly(values.only);
    if (only && action !== 'up') throw new UsageError('--only applies to up');
    const toStdout = values.json === '-';
    const log = (line: string) => process.stderr.write(`prm stack: ${line}\n`);

    try {
      // require, not import(): cli/prm.cjs registers tsx for CommonJS only.
      /* eslint-disable @typescript-eslint/no-require-imports */
      const { loadStackConfig } = require('../../stack/config') as typeof import('../../stack/config');
      const { stackDown, stackStatus, stackUp } = require('../../stack/orchestrator') as typeof import('../../stack/orchestrator');
      /* eslint-enable @typescript-eslint/no-require-imports */
      const config = loadStackConfig();
      if (action === 'status') {
        const statuses = await stackStatus(config);
        if (!toStdout) for (const s of statuses) print(`${s.name.padEnd(10)} ${s.up ? 'up  ' : 'down'}  ports ${s.ports.join(',')}${s.pid ? `  pid ${s.pid}` : ''}${s.detail ? `  ${s.detail}` : ''}`);
        emitJson(values.json, statuses);
        return statuses.every((s) => s.up) ? 0 : 1;
      }
      const reports = action === 'up' ? await stackUp(config, log, only) : await stackDown(config, log);
      if (!toStdout) {
        if (reports.length === 0) print('nothing was running');
        for (const r of reports) {
          const time = r.seconds === undefined ? '' : ` in ${r.seconds.toFixed(1)} s`;
          print(`${r.name.padEnd(10)} ${r.outcome}${time}${r.pid ? `  pid ${r.pid}` : ''}${r.detail ? `  (${r.detail})` : ''}`);
        }
      }
      emitJson(values.json, reports);
      return 0;
    } catch (err) {
      // Every expected failure is one line on stderr; anything else is a bug and keeps its stack.
      if (!(err instanceof StackError)) throw err;
      process.stderr.write(`prm stack: ${err.message}\n`);
      return 1;
    }
  },
};

function parseOnly(raw: string): Name[] {
  const names = raw.split(',').map((s) => s.trim()).filter(Boolean);
  for (const n of names) {
    if (!(serviceNames as readonly string[]).includes(n)) throw new UsageError(`--only: unknown service '${n}' (kafka, timescale, registry)`);
  }
  return names as Name[];
}
