import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AllocationProfile, allocationsKept } from '../../../streams/bench/allocation-profile';

describe('PRM_BENCH_ALLOC_PROFILE_KEEP', () => {
  it('keeps every allocation unless told otherwise', () => {
    expect(allocationsKept(undefined)).toBe('all');
    expect(allocationsKept('')).toBe('all');
  });

  it('takes each of its choices', () => {
    expect(allocationsKept('survivors')).toBe('survivors');
    expect(allocationsKept('live')).toBe('live');
    expect(allocationsKept('all')).toBe('all');
  });

  it('refuses anything else, naming the choices', () => {
    expect(() => allocationsKept('promoted')).toThrow("PRM_BENCH_ALLOC_PROFILE_KEEP must be one of all, survivors, live, got 'promoted'");
  });
});

describe('AllocationProfile', () => {
  let root: string;
  beforeEach(() => (root = mkdtempSync(join(tmpdir(), 'prm-alloc-'))));
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  it('makes its directory and writes a profile DevTools can open', async () => {
    const dir = join(root, 'not', 'yet');
    const profile = new AllocationProfile(dir, 'pipeline');
    profile.restart();
    const kept = Array.from({ length: 2000 }, (_, i) => ({ i, text: `allocation ${i}` }));
    await profile.write();
    const written = readdirSync(dir);
    expect(written).toEqual([`pipeline-${process.pid}.heapprofile`]);
    const parsed = JSON.parse(readFileSync(join(dir, written[0]!), 'utf8')) as { head?: { children?: unknown[] }; samples?: unknown[] };
    expect(parsed.head?.children?.length).toBeGreaterThan(0);
    expect(kept).toHaveLength(2000);
  });

  it('rejects, rather than hanging, when the profile cannot be written', async () => {
    const dir = join(root, 'gone');
    const profile = new AllocationProfile(dir, 'pipeline');
    profile.restart();
    rmSync(dir, { recursive: true });
    await expect(profile.write()).rejects.toThrow(/ENOENT/);
  });
});
