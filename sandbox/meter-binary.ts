import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmod, mkdir, readFile, rename, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const source = join(__dirname, 'meter.c');
let built: Promise<string> | undefined;

/**
 * Path of the compiled meter (sandbox/meter.c), building it with the system C compiler on first
 * use. The binary is named by the hash of its source, so an edited meter is rebuilt and
 * concurrent builders never see a half-written file (build to a temp name, then rename).
 */
export function meterBinary(cacheDir = join(tmpdir(), 'prm-sandbox')): Promise<string> {
  built ??= build(cacheDir).catch((err: unknown) => {
    built = undefined;
    throw err;
  });
  return built;
}

async function build(cacheDir: string): Promise<string> {
  const code = await readFile(source);
  const hash = createHash('sha256').update(code).digest('hex').slice(0, 16);
  const target = join(cacheDir, `prm-meter-${hash}`);
  if (await exists(target)) return target;
  await mkdir(cacheDir, { recursive: true });
  const partial = `${target}.${process.pid}.tmp`;
  const compiler = process.env.CC ?? 'cc';
  try {
    await run(compiler, ['-O2', '-o', partial, source]);
  } catch (err) {
    throw new Error(`sandbox: cannot build the meter with '${compiler}' (${(err as Error).message.trim()}); a C compiler is required`);
  }
  await chmod(partial, 0o755);
  await rename(partial, target);
  return target;
}

async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch {
    return false;
  }
}
