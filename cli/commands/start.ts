import { parseFlags } from '../args';
import type { Command } from '../command';

const usage = `
usage: prm start

Sets up PRM on this machine with no configuration: brings the local stack up (Kafka, schema
registry, embedded TimescaleDB; or uses KAFKA_BROKERS, SCHEMA_REGISTRY_URL, DATABASE_URL when
set), creates the catalogued topics and registers their value schemas (BACKWARD), runs the
database migrations, then runs the history sink (topics -> database) until Ctrl-C.

The end-to-end replay with a report (issue 8) is not wired into this command yet; publish work
with 'npx prm replay data/workload/workload.jsonl --format jobs' from another terminal.
`;

/** The steps, each an existing `prm` command, so start does nothing the tools cannot do alone. */
const steps: { command: string; argv: string[]; what: string }[] = [
  { command: 'stack', argv: ['up'], what: 'local stack' },
  { command: 'topics', argv: ['create'], what: 'topics and schemas' },
  { command: 'db', argv: ['migrate'], what: 'database migrations' },
];

export const command: Command = {
  name: 'start',
  summary: 'set up the stack, topics, schemas and database, then run the history sink',
  usage,
  async run(argv) {
    parseFlags(argv, {});
    for (const step of steps) {
      process.stderr.write(`prm start: ${step.what} (prm ${step.command} ${step.argv.join(' ')})\n`);
      const code = await load(step.command).run(step.argv);
      if (code !== 0) {
        process.stderr.write(`prm start: '${step.command} ${step.argv.join(' ')}' failed with exit code ${code}\n`);
        return code;
      }
    }
    process.stderr.write('prm start: ready; running the history sink until Ctrl-C\n');
    return load('db').run(['sink']);
  },
};

function load(name: string): Command {
  // require, not import(): cli/prm.cjs registers tsx for CommonJS only.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return (require(`./${name}`) as { command: Command }).command;
}
