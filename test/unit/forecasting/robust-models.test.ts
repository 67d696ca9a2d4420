import { lastValueModel } from '../../../models/forecasting/baselines';
import { robustModels } from '../../../models/forecasting/candidates';
import type { Series } from '../../../models/forecasting/forecaster';
import type { PointModel } from '../../../models/forecasting/point-model';
import { seededRandom } from '../../../models/seeded-random';

const DAY = 288;
const H = 12;

/** A VM-like series: a base load that drifts slowly, plus short spikes that die out within minutes. */
function spiky(seed: number, days = 12): Series {
  const random = seededRandom(seed);
  let base = 500;
  let spike = 0;
  const values = Float64Array.from({ length: days * DAY }, () => {
    base = Math.max(100, base + (random() - 0.5) * 4);
    spike = random() < 0.08 ? 300 + 700 * random() : spike * 0.3;
    return base + spike + 20 * (random() - 0.5);
  });
  return { startSeconds: 1_372_636_800, stepSeconds: 300, values };
}

function mae(model: PointModel, s: Series, from: number, to: number): number {
  const pred = model.predictRange(s, from, to, H);
  let sum = 0;
  let n = 0;
  for (let o = from; o < to; o++) {
    for (let h = 1; h <= H && o + h < s.values.length; h++) { sum += Math.abs(s.values[o + h]! - pred[(o - from) * H + h - 1]!); n++; }
  }
  return sum / n;
}

describe('robust models', () => {
  it('moving medians beat persistence on a spiky series', () => {
    const s = spiky(1);
    const persistence = mae(lastValueModel(), s, 10 * DAY, 12 * DAY - H);
    for (const m of robustModels()) expect(mae(m, s, 10 * DAY, 12 * DAY - H)).toBeLessThan(0.8 * persistence);
  });
});
