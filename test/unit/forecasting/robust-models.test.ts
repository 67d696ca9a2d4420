import { lastValueModel } from '../../../models/forecasting/baselines';
import { robustModels } from '../../../models/forecasting/candidates';
import type { PointModel } from '../../../models/forecasting/point-model';
import { DAY_STEPS as DAY, meanAbsoluteError, spikySeries } from './spiky-series';

const H = 12;

function mae(model: PointModel, s: ReturnType<typeof spikySeries>, from: number, to: number): number {
  return meanAbsoluteError(model.predictRange(s, from, to, H), s, from, to, H);
}

describe('robust models', () => {
  it('moving medians beat persistence on a spiky series', () => {
    const s = spikySeries(1);
    const persistence = mae(lastValueModel(), s, 10 * DAY, 12 * DAY - H);
    for (const m of robustModels()) expect(mae(m, s, 10 * DAY, 12 * DAY - H)).toBeLessThan(0.8 * persistence);
  });
});
