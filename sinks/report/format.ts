/** Number and time formatting shared by the HTML report and the terminal summary. */

export function fixed(x: number | null | undefined, digits = 1): string {
  return x === null || x === undefined || !Number.isFinite(x) ? '–' : x.toFixed(digits);
}

export function percent(share: number | null | undefined, digits = 1): string {
  return share === null || share === undefined || !Number.isFinite(share) ? '–' : `${(share * 100).toFixed(digits)}%`;
}

/** Milliseconds as the shortest readable unit: 850 ms, 12.3 s, 4.5 min. */
export function duration(ms: number | null | undefined): string {
  if (ms === null || ms === undefined || !Number.isFinite(ms)) return '–';
  if (Math.abs(ms) < 1000) return `${Math.round(ms)} ms`;
  if (Math.abs(ms) < 60_000) return `${tenths(ms / 1000)} s`;
  if (Math.abs(ms) < 3_600_000) return `${tenths(ms / 60_000)} min`;
  return `${tenths(ms / 3_600_000)} h`;
}

/** One decimal, none when it is zero: 1 min, 1.5 min. */
function tenths(x: number): string {
  return x.toFixed(1).replace(/\.0$/, '');
}

/** UTC wall time, HH:MM:SS. */
export function clock(epochMs: number): string {
  return new Date(epochMs).toISOString().slice(11, 19);
}

/** UTC date and time, YYYY-MM-DD HH:MM:SS. */
export function stamp(epochMs: number): string {
  return new Date(epochMs).toISOString().slice(0, 19).replace('T', ' ');
}

/** Columns padded to their widest cell, two spaces apart; `right` columns are right-aligned (numbers). */
export function table(rows: readonly (readonly string[])[], right: readonly number[] = []): string[] {
  const widths = rows[0]?.map((_, c) => Math.max(...rows.map((r) => (r[c] ?? '').length))) ?? [];
  return rows.map((r) =>
    r.map((cell, c) => (right.includes(c) ? cell.padStart(widths[c] ?? 0) : cell.padEnd(widths[c] ?? 0))).join('  ').trimEnd(),
  );
}
