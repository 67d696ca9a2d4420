import type { ModelScore, SeriesEvaluation } from './evaluation';
import { quantileOfSorted } from './residual-quantiles';

export interface ClusterModelReport { mae: number; skill: number; skill_seasonal: number; coverage_p90: number }
export interface UserModelReport { median_skill: number; mean_skill: number; coverage_p90: number }

/** The JSON `prm forecast-eval --json` writes (shape fixed by issue 5). */
export interface ForecastEvalReport {
  cluster: { models: Record<string, ClusterModelReport>; chosen: string; validation_mae: Record<string, number> };
  per_user: {
    users: number;
    models: Record<string, UserModelReport>;
    /** `selected`: each user's own validation choice; the counts say which models were picked. */
    chosen: string;
    chosen_counts: Record<string, number>;
    /** Users whose persistence error was 0 on the test window (skill undefined), left out of skill. */
    constant_users: number;
  };
  train_seconds: number;
}

/** Name of the per-series selection policy in the per-user table. */
export const SELECTED = 'selected';

export function clusterReport(e: SeriesEvaluation): ForecastEvalReport['cluster'] {
  const models = Object.fromEntries(Object.entries(e.test).map(([name, s]) => [name, {
    mae: s.absError / s.points,
    skill: s.absError / s.absErrorPersistence,
    skill_seasonal: s.absError / s.absErrorSeasonal,
    coverage_p90: s.coveredP90 / s.points,
  }]));
  return { models, chosen: e.chosen, validation_mae: e.validationMae };
}

/** Running per-user aggregation, so evaluations can be dropped as soon as each VM is scored. */
export class UserAggregate {
  private readonly skills = new Map<string, number[]>();
  private readonly coverage = new Map<string, { covered: number; points: number }>();
  private readonly chosenCounts: Record<string, number> = {};
  private users = 0;
  private constant = 0;

  add(e: SeriesEvaluation): void {
    const chosen = e.test[e.chosen];
    if (!chosen || chosen.points === 0) return;
    this.users++;
    this.chosenCounts[e.chosen] = (this.chosenCounts[e.chosen] ?? 0) + 1;
    if (chosen.absErrorPersistence === 0) { this.constant++; return; }
    for (const [name, s] of [...Object.entries(e.test), [SELECTED, chosen] as [string, ModelScore]]) {
      const list = this.skills.get(name) ?? [];
      list.push(s.absError / s.absErrorPersistence);
      this.skills.set(name, list);
      const c = this.coverage.get(name) ?? { covered: 0, points: 0 };
      c.covered += s.coveredP90;
      c.points += s.points;
      this.coverage.set(name, c);
    }
  }

  report(): ForecastEvalReport['per_user'] {
    const models: Record<string, UserModelReport> = {};
    for (const [name, list] of this.skills) {
      const sorted = Float64Array.from(list).sort();
      const c = this.coverage.get(name)!;
      models[name] = {
        median_skill: quantileOfSorted(sorted, 0.5),
        mean_skill: list.reduce((a, b) => a + b, 0) / list.length,
        coverage_p90: c.covered / c.points,
      };
    }
    return { users: this.users, models, chosen: SELECTED, chosen_counts: this.chosenCounts, constant_users: this.constant };
  }
}

/** The printed tables: cluster models then per-user models, chosen ones marked with `*`. */
export function formatReport(r: ForecastEvalReport): string {
  const f = (x: number) => (Number.isFinite(x) ? x.toFixed(3) : '-');
  const width = Math.max(...[...Object.keys(r.cluster.models), ...Object.keys(r.per_user.models)].map((n) => n.length)) + 2;
  const lines = [`cluster (sum of all VMs' CPU MHz), chosen on validation: ${r.cluster.chosen}`,
    `${'model'.padEnd(width)}${'mae'.padStart(12)}${'skill'.padStart(8)}${'skill_seas'.padStart(12)}${'cov_p90'.padStart(9)}`];
  for (const [name, m] of Object.entries(r.cluster.models)) {
    const label = (name === r.cluster.chosen ? `*${name}` : ` ${name}`).padEnd(width);
    lines.push(`${label}${m.mae.toFixed(1).padStart(12)}${f(m.skill).padStart(8)}${f(m.skill_seasonal).padStart(12)}${f(m.coverage_p90).padStart(9)}`);
  }
  lines.push('', `per VM (${r.per_user.users} users; ${r.per_user.constant_users} constant ones left out of skill), chosen: ${r.per_user.chosen} (each user's own validation choice)`,
    `${'model'.padEnd(width)}${'median_skill'.padStart(14)}${'mean_skill'.padStart(12)}${'cov_p90'.padStart(9)}`);
  for (const [name, m] of Object.entries(r.per_user.models)) {
    const label = (name === r.per_user.chosen ? `*${name}` : ` ${name}`).padEnd(width);
    lines.push(`${label}${f(m.median_skill).padStart(14)}${f(m.mean_skill).padStart(12)}${f(m.coverage_p90).padStart(9)}`);
  }
  const counts = Object.entries(r.per_user.chosen_counts).sort((a, b) => b[1] - a[1]).map(([n, c]) => `${n} ${c}`).join(', ');
  lines.push(`per-user choices: ${counts}`, `train_seconds: ${r.train_seconds.toFixed(1)}`, '');
  return lines.join('\n');
}
