import { writeFileSync } from 'node:fs';

/** Columns padded to their widest cell, two spaces apart. */
export function renderTable(rows: string[][]): string {
  const widths = rows[0]?.map((_, c) => Math.max(...rows.map((r) => (r[c] ?? '').length))) ?? [];
  return rows.map((r) => r.map((cell, c) => cell.padEnd(widths[c] ?? 0)).join('  ').trimEnd()).join('\n');
}

export function print(text: string): void {
  process.stdout.write(`${text}\n`);
}

/** `--json FILE` writes a file; `--json -` (or a bare --json) prints the JSON instead of the table. */
export function emitJson(target: string | undefined, data: unknown): void {
  if (target === undefined) return;
  const text = `${JSON.stringify(data, null, 2)}\n`;
  if (target === '-') process.stdout.write(text);
  else writeFileSync(target, text);
}

/** Lets `--json` stand alone (parseArgs wants a value): a bare one means standard output. */
export function bareJsonToStdout(argv: string[]): string[] {
  return argv.map((arg, i) => (arg === '--json' && (i === argv.length - 1 || argv[i + 1]?.startsWith('-')) ? '--json=-' : arg));
}
