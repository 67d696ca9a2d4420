import { chooseModel, chooseWithDefault, eligibleModels, populationDefault, type ModelScore, type SeriesEvaluation } from './evaluation';
import { quantileOfSorted } from './residual-quantiles';

export interface ClusterModelReport { mae: number; skill: number; skill_seasonal: number; coverage_p90: number }
export interface UserModelReport { median_skill: number; mean_skill: number; coverage_p90: number }

/** The JSON `prm forecast-eval --json` writes (shape fixed by issue 5). */
export interface ForecastEvalReport {
  cluster: { models: Record<string, ClusterModelReport>; chosen: string; validation_mae: Record<string, number> };
  per_user: {
    users: number;
    models: Record<string, UserModelReport>;
    /**
     * `selected`: each user's own validation choice among `eligible`, starting from
     * `population_default` and leaving it only for a clear validation win (SWITCH_MARGIN); the
     * counts say which models were picked.
     */
    chosen: string;
    chosen_counts: Record<string, number>;
    /** Models whose median validation skill over users beat persistence (the population stage). */
    eligible: string[];
    /** The eligible model with the best median validation skill over the users. */
    population_default: string;
    /** Users whose persistence error was 0 on the test window (skill undefined), left out of skill. */
    constant_users: number;
  };
  train_seconds: number;
}

/** Name of the per-series selection policy in the per-user table. */
export const SELECTED = 'selected';

/**
 * How much lower (as a share) a user's validation MAE must be under another model to leave the
 * population default: a clear-win bar against the noise of one validation week, set a priori
 * (not fitted to any test window).
 */
export const SWITCH_MARGIN = 0.1;

export function clusterReport(e: SeriesEvaluation): ForecastEvalReport['cluster'] {
  const chosen = chooseModel(e.validationMae);
  const models = Object.fromEntries(Object.entries(e.test).map(([name, s]) => [name, {
    mae: s.absError / s.points,
    skill: s.absError / s.absErrorPersistence,
    skill_seasonal: s.absError / s.absErrorSeasonal,
    coverage_p90: s.coveredP90 / s.points,
  }]));
  return { models, chosen, validation_mae: e.validationMae };
}

/**
 * Per-user aggregation. Keeps each user's validation MAEs and test sums (a few numbers per model),
 * because selection needs the population stage (eligibleModels) before any user's choice.
 */
export class UserAggregate {
  private readonly evaluations: SeriesEvaluation[] = [];

  add(e: SeriesEvaluation): void {
    const anyModel = Object.values(e.test)[0];
    if (anyModel && anyModel.points > 0) this.evaluations.push(e);
  }

  report(): ForecastEvalReport['per_user'] {
    const validations = this.evaluations.map((e) => e.validationMae);
    const eligible = eligibleModels(validations);
    const preferred = populationDefault(validations, eligible);
    const skills = new Map<string, number[]>();
    const coverage = new Map<string, { covered: number; points: number }>();
    const chosenCounts: Record<string, number> = {};
    let constant = 0;
    for (const e of this.evaluations) {
      const chosenName = chooseWithDefault(e.validationMae, eligible, preferred, SWITCH_MARGIN);
      chosenCounts[chosenName] = (chosenCounts[chosenName] ?? 0) + 1;
      const chosen = e.test[chosenName]!;
      if (chosen.absErrorPersistence === 0) { constant++; continue; }
      for (const [name, s] of [...Object.entries(e.test), [SELECTED, chosen] as [string, ModelScore]]) {
        const list = skills.get(name) ?? [];
        list.push(s.absError / s.absErrorPersistence);
        skills.set(name, list);
        const c = coverage.get(name) ?? { covered: 0, points: 0 };
        c.covered += s.coveredP90;
        c.points += s.points;
        coverage.set(name, c);
      }
    }
    const models: Record<string, UserModelReport> = {};
    for (const [name, list] of skills) {
      const sorted = Float64Array.from(list).sort();
      const c = coverage.get(name)!;
      models[name] = {
        median_skill: quantileOfSorted(sorted, 0.5),
        mean_skill: list.reduce((a, b) => a + b, 0) / list.length,
        coverage_p90: c.covered / c.points,
      };
    }
    return {
      users: this.evaluations.length, models, chosen: SELECTED, chosen_counts: chosenCounts,
      eligible: [...eligible], population_default: preferred, constant_users: constant,
    };
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
  lines.push(`eligible for per-user selection (median validation skill < 1): ${r.per_user.eligible.join(', ')}`,
    `population default: ${r.per_user.population_default} (a user leaves it only for a ${SWITCH_MARGIN * 100}% lower validation MAE)`, `per-user choices: ${counts}`, `train_seconds: ${r.train_seconds.toFixed(1)}`, '');
  return lines.join('\n');
}
