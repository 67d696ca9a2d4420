import { lastValueModel, windowModel } from '../../../models/forecasting/baselines';
import { BottomUpSums } from '../../../models/forecasting/bottom-up';
import { baselineModels } from '../../../models/forecasting/candidates';
import { sumSeries } from '../../../models/forecasting/cluster-series';
import { evaluateSeries, PERSISTENCE, type Candidate, type EvaluationWindows } from '../../../models/forecasting/evaluation';
import type { Series } from '../../../models/forecasting/forecaster';
import type { PointModel } from '../../../models/forecasting/point-model';
import { clusterReport } from '../../../models/forecasting/report';
import { seededRandom } from '../../../models/seeded-random';
import { DAY_STEPS, spikySeries } from './spiky-series';

const series = (values: number[]): Series => ({ startSeconds: 0, stepSeconds: 300, values: Float64Array.from(values) });
/** A member model given by its paths (PointModel layout), to check the sums by hand. */
const fixed = (name: string, pred: number[]): Candidate => ({ name, pred: Float64Array.from(pred) });

describe('BottomUpSums', () => {
  // Two members, origins 0..3, horizon 2: persistence paths and a model 'm' with known paths.
  const a = series([10, 20, 30, 40, 50]);
  const b = series([1, 2, 3, 4, 5]);
  const persist = (s: Series) => ({ name: PERSISTENCE, pred: lastValueModel().predictRange(s, 0, 4, 2) });
  const mA = fixed('m', [11, 12, 19, 18, 33, 31, 45, 44]);
  const mB = fixed('m', [1, 1, 2.5, 2.5, 3, 3, 3.5, 3.5]);

  it('is the sum of the members\' model paths when every member reports (cluster persistence plus their changes)', () => {
    const sums = new BottomUpSums(['m'], 0, 4, 2);
    sums.add(a, [persist(a), mA]);
    sums.add(b, [persist(b), mB]);
    const cluster = sumSeries([a, b]);
    const [bottomUp] = sums.candidates(lastValueModel().predictRange(cluster, 0, 4, 2));
    expect(bottomUp!.name).toBe('bottom_up_m');
    expect(Array.from(bottomUp!.pred)).toEqual(Array.from(mA.pred, (v, i) => v + mB.pred[i]!));
    expect(sums.members).toBe(2);
  });

  it('counts a member only while the cluster sum counts it (within the carry-forward)', () => {
    // b reports at index 0 only: carried through index 1, absent from index 2 on with carry 1.
    const gappy = series([1, NaN, NaN, NaN, NaN]);
    const sums = new BottomUpSums(['m'], 0, 4, 2, 1);
    sums.add(a, [persist(a), mA]);
    sums.add(gappy, [persist(gappy), fixed('m', [3, 3, 5, 5, 7, 7, 9, 9])]);
    const cluster = sumSeries([a, gappy], 1);
    const [bottomUp] = sums.candidates(lastValueModel().predictRange(cluster, 0, 4, 2));
    // origin 0: 11 + 3 and 12 + 3; origin 1: cluster 21 (20 + carried 1), a changes -1/-2, gappy +4;
    // origins 2 and 3: gappy is absent, so only a's changes move the cluster's own last value.
    expect(Array.from(bottomUp!.pred)).toEqual([14, 15, 24, 23, 33, 31, 45, 44]);
  });

  it('rejects persistence as a summed model, a member missing a model, and an empty sum', () => {
    expect(() => new BottomUpSums([PERSISTENCE], 0, 4, 2)).toThrow(/anchor/);
    const sums = new BottomUpSums(['m'], 0, 4, 2);
    expect(() => sums.candidates(new Float64Array(8))).toThrow(/no members/);
    expect(() => sums.add(a, [persist(a)])).toThrow(/no 'm' candidate/);
    expect(() => sums.add(a, [mA])).toThrow(/last_value/);
  });
});

describe('bottom-up cluster candidates under selection', () => {
  const H = 6;
  const days = 10;
  const validationFrom = 3 * DAY_STEPS;
  const w: EvaluationWindows = {
    predFrom: validationFrom - H - 1, validationFrom, testFrom: validationFrom + 3 * DAY_STEPS, testTo: days * DAY_STEPS, horizon: H,
    calibration: { calibrationSteps: DAY_STEPS, recalibrateEvery: DAY_STEPS },
  };
  const memberModel: PointModel = windowModel('median', 12);

  function clusterEvaluation(members: Series[]) {
    const origins = w.testTo - 1 - w.predFrom;
    const sums = new BottomUpSums([memberModel.name], w.predFrom, origins, H);
    for (const m of members) {
      sums.add(m, [lastValueModel(), memberModel].map((model) => ({ name: model.name, pred: model.predictRange(m, w.predFrom, w.testTo - 1, H) })));
    }
    const cluster = sumSeries(members);
    const candidates = baselineModels().map((model) => ({ name: model.name, pred: model.predictRange(cluster, w.predFrom, w.testTo - 1, H) }));
    return clusterReport(evaluateSeries(cluster, [...candidates, ...sums.candidates(candidates[0]!.pred)], w));
  }

  it('is chosen when members\' excursions revert independently, and beats persistence out of sample', () => {
    // Excursions both ways, so each member's median is also its mean and the medians sum without bias.
    const members = Array.from({ length: 20 }, (_, k) => {
      const random = seededRandom(100 + k);
      let excursion = 0;
      return series(Array.from({ length: days * DAY_STEPS }, () => {
        excursion = random() < 0.08 ? (random() < 0.5 ? -1 : 1) * (100 + 300 * random()) : excursion * 0.3;
        return 500 + 20 * k + excursion;
      }));
    });
    const report = clusterEvaluation(members);
    expect(report.chosen).toBe('bottom_up_moving_median_12');
    expect(report.models.bottom_up_moving_median_12!.skill).toBeLessThan(0.9);
  });

  it('loses to persistence when members spike only upwards: the sum of medians misses the sum\'s mean', () => {
    const report = clusterEvaluation(Array.from({ length: 20 }, (_, k) => spikySeries(100 + k, days)));
    expect(report.validation_mae.bottom_up_moving_median_12!).toBeGreaterThan(report.validation_mae[PERSISTENCE]!);
    expect(report.chosen).not.toBe('bottom_up_moving_median_12');
  });

  it('loses to persistence, which stays chosen, when members switch levels together', () => {
    // A batch group: every member steps between an idle and a busy level at shared, seeded times.
    const random = seededRandom(7);
    const busy = new Uint8Array(days * DAY_STEPS);
    for (let i = 0, on = 0; i < busy.length;) {
      const run = 20 + Math.floor(random() * 60);
      busy.fill(on, i, i + run);
      i += run;
      on = 1 - on;
    }
    const members = Array.from({ length: 20 }, () => series(Array.from(busy, (on) => (on ? 5_000 : 200) + 20 * random())));
    const report = clusterEvaluation(members);
    expect(report.validation_mae.bottom_up_moving_median_12!).toBeGreaterThan(report.validation_mae[PERSISTENCE]!);
    expect(report.chosen).toBe(PERSISTENCE);
  });
});
