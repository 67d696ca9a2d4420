import type { Forecaster, Series } from '../forecasting/forecaster';
import { hpaPolicy } from '../planning/hpa';
import { oraclePolicy, type NeededInstances } from '../planning/oracle-policy';
import { proactivePlanner, type ForecastQuantile } from '../planning/proactive-planner';
import { staticPolicy } from '../planning/static-policy';
import type { ScalingPolicy } from '../planning/types';

export const POLICY_NAMES = ['static', 'reactive', 'predictive', 'oracle'] as const;
export type PolicyName = (typeof POLICY_NAMES)[number];

export interface PolicyContext {
  /** Demand in cores over the training period (what static and predictive may learn from). */
  history: Series;
  /** Instances the exact future needs ready, for the oracle only. */
  oracleNeeds: NeededInstances;
  forecaster: Forecaster;
  instanceCores: number;
  bootDelaySeconds: number;
  /** Boot jitter bound: the oracle launches boot delay + jitter ahead, the longest a boot takes. */
  bootJitterSeconds: number;
  controlSeconds: number;
}

/** Settings a trade-off sweep varies; everything else stays at its default. */
export interface PolicySettings {
  hpaTarget?: number;
  quantile?: ForecastQuantile;
  coverage?: number;
}

export function buildPolicy(name: PolicyName, c: PolicyContext, s: PolicySettings = {}): ScalingPolicy {
  switch (name) {
    case 'static': {
      let peak = 0;
      for (const v of c.history.values) if (Number.isFinite(v) && v > peak) peak = v;
      return staticPolicy(peak, c.instanceCores);
    }
    case 'reactive':
      return hpaPolicy({ target: s.hpaTarget ?? 0.7 });
    case 'predictive':
      return proactivePlanner({
        forecaster: c.forecaster, history: c.history, bootDelaySeconds: c.bootDelaySeconds, controlSeconds: c.controlSeconds,
        quantile: s.quantile, headroom: s.coverage === undefined ? undefined : { coverage: s.coverage },
      });
    case 'oracle':
      return oraclePolicy(c.oracleNeeds, c.bootDelaySeconds + c.bootJitterSeconds, c.controlSeconds);
  }
}
