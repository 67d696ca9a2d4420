import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';

/** Debian's Chromium (`.ci/run` installs it), or the one CHROMIUM names. */
export const CHROMIUM = process.env.CHROMIUM ?? '/usr/bin/chromium';

/** Runs headless Chromium with a profile of its own under `dir`; returns what it printed (e.g. --dump-dom). */
export async function headlessChromium(dir: string, profile: string, args: string[]): Promise<string> {
  const { stdout } = await promisify(execFile)(
    CHROMIUM,
    ['--headless', '--no-sandbox', '--disable-gpu', '--hide-scrollbars', `--user-data-dir=${join(dir, `profile-${profile}`)}`, ...args],
    { timeout: 90_000, maxBuffer: 64 * 2 ** 20 },
  );
  return stdout;
}

/** data-points of each element with data-chart (or data-user), in document order. */
export function pointsOf(dom: string, attribute: 'data-chart' | 'data-user'): Array<[string, number | null]> {
  return [...dom.matchAll(new RegExp(`<[a-z]+ [^>]*${attribute}="([^"]*)"[^>]*>`, 'g'))].map((m) => {
    const points = /data-points="(\d+)"/.exec(m[0]);
    return [m[1] ?? '', points ? Number(points[1]) : null];
  });
}
