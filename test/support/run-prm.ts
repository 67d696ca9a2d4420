import { main } from '../../cli/main';

/** Runs `prm ...argv` in this process, collecting what it writes on stdout and stderr. */
export async function runPrm(...argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const said = { stdout: '', stderr: '' };
  const capture = (stream: 'stdout' | 'stderr') =>
    jest.spyOn(process[stream], 'write').mockImplementation((chunk: string | Uint8Array) => {
      said[stream] += String(chunk);
      return true;
    });
  const spies = [capture('stdout'), capture('stderr')];
  try {
    const code = await main(argv);
    return { code, ...said };
  } finally {
    for (const spy of spies) spy.mockRestore();
  }
}
