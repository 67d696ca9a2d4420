import { writeFile } from 'node:fs/promises';
import type { Command } from '../command';
import { UsageError } from '../command';
import { checkWritableFile, numberFlag, parseFlags } from '../args';
import { readSource } from './analyze';

const usage = `
usage: prm execute FILE|- [--cpu-ms N] [--memory-mb N] [--wall-ms N] [--module] [--typescript] [--json [OUT]]

Runs one JavaScript or TypeScript program in the sandbox and prints what it really used, measured by the
kernel from the moment its code starts: CPU user/system ms, peak memory MB above the runtime's
own, bytes read and written, wall ms; status OK, ERROR, TIMEOUT or OOM with the reason.
The program gets no file system, network, environment, child processes or workers.

  FILE|-          the program (- reads stdin); .mjs files, or --module, run as ES modules
  --typescript    compile it from TypeScript first (types erased, not checked), as .ts files are;
                  the compile is not part of what it used
  --cpu-ms N      CPU time limit (default 10000)
  --memory-mb N   memory limit above the runtime's start-up footprint (default 512)
  --wall-ms N     wall time limit, waits included (default 30000)
  --json [OUT]    print the result as JSON (or write it to OUT)
  --show-output   also print the program's stdout and stderr (to stderr)
`;

export const command: Command = {
  name: 'execute',
  summary: 'run a program in the sandbox and report its measured CPU, memory, I/O and wall time',
  usage,
  async run(argv) {
    const { values, positionals } = parseFlags(argv, {
      'cpu-ms': { type: 'string' },
      'memory-mb': { type: 'string' },
      'wall-ms': { type: 'string' },
      module: { type: 'boolean', default: false },
      typescript: { type: 'boolean', default: false },
      json: { type: 'boolean', default: false },
      'show-output': { type: 'boolean', default: false },
    }, true);
    const [file, out, ...extra] = positionals;
    if (!file) throw new UsageError('a FILE (or - for stdin) is required');
    if (extra.length > 0 || (out !== undefined && !values.json)) throw new UsageError(`unexpected argument '${extra[0] ?? out}'`);
    if (out !== undefined) checkWritableFile('OUT', out);
    const limits = {
      cpuMs: numberFlag('cpu-ms', values['cpu-ms'], 10_000),
      memoryMb: numberFlag('memory-mb', values['memory-mb'], 512),
      wallMs: numberFlag('wall-ms', values['wall-ms'], 30_000),
    };
    const code = await readSource(file);
    /* eslint-disable @typescript-eslint/no-require-imports */
    const { createExecutor } = require('../../sandbox/executor') as typeof import('../../sandbox/executor');
    const { resolveLimits } = require('../../sandbox/limits') as typeof import('../../sandbox/limits');
    /* eslint-enable @typescript-eslint/no-require-imports */
    try {
      resolveLimits(limits);
    } catch (err) {
      throw new UsageError((err as Error).message);
    }
    const module = values.module || file.endsWith('.mjs');
    const typescript = values.typescript || file.endsWith('.ts');
    if (typescript && module) throw new UsageError('TypeScript is compiled to CommonJS: --module does not apply to it');
    const result = await createExecutor().run({ code, module, typescript, limits });
    if (values['show-output']) process.stderr.write(`--- stdout\n${result.stdout}--- stderr\n${result.stderr}---\n`);
    const { stdout: _stdout, stderr: _stderr, ...report } = result;
    if (values.json) {
      const text = `${JSON.stringify(report, null, 2)}\n`;
      if (out) await writeFile(out, text);
      else process.stdout.write(text);
    } else {
      process.stdout.write(table(report));
    }
    return result.status === 'OK' ? 0 : 1;
  },
};

function table(report: Record<string, unknown>): string {
  const rows = Object.entries(report).filter(([, v]) => v !== undefined);
  const width = Math.max(...rows.map(([k]) => k.length));
  return rows.map(([k, v]) => `${k.padEnd(width)}  ${String(v)}`).join('\n') + '\n';
}
