import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseFlags } from '../../../cli/args';
import { UsageError } from '../../../cli/command';

describe('parseFlags', () => {
  let root: string;
  beforeEach(() => (root = mkdtempSync(join(tmpdir(), 'prm-args-'))));
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  const withJson = (json: string) => parseFlags(['--json', json], { json: { type: 'string' } });

  it('takes a --json file in a writable directory, new or already there, and standard output', () => {
    expect(withJson(join(root, 'new.json')).values.json).toBe(join(root, 'new.json'));
    writeFileSync(join(root, 'old.json'), '{}');
    expect(withJson(join(root, 'old.json')).values.json).toBe(join(root, 'old.json'));
    expect(withJson('-').values.json).toBe('-');
  });

  it('refuses, before any work, a --json file that could not be written at the end', () => {
    expect(() => withJson(join(root, 'missing', 'b.json'))).toThrow(new UsageError(`--json ${join(root, 'missing', 'b.json')}: cannot be written: its directory '${join(root, 'missing')}' does not exist`));
    mkdirSync(join(root, 'dir.json'));
    expect(() => withJson(join(root, 'dir.json'))).toThrow('cannot be written: it is a directory');
    writeFileSync(join(root, 'file'), '');
    expect(() => withJson(join(root, 'file', 'b.json'))).toThrow(`cannot be written: '${join(root, 'file')}' is not a directory`);
  });

  it('leaves a boolean --json alone, and reports unknown flags as usage errors', () => {
    expect(parseFlags(['--json'], { json: { type: 'boolean' } }).values.json).toBe(true);
    expect(() => parseFlags(['--jsn', 'x'], { json: { type: 'string' } })).toThrow(UsageError);
  });
});
