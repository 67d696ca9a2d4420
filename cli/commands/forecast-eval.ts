import { writeFileSync } from 'node:fs';
import type { Command } from '../command';
import { UsageError } from '../command';
import { checkWritableFile, numberFlag, parseFlags } from '../args';

const usage = `
usage: prm forecast-eval --trace FILE [--trace FILE ...] --format bitbrains --train-until ISO
                         [--horizon 12] [--json OUT] [--users N] [--seed S] [--no-lstm]
                         [--lstm-epochs E] [--lstm-seconds S] [--save-model FILE]

Builds 5-minute series from the traces (gzip or plain), trains on data before --train-until
(the last 7 days of it held out for model selection), then rolls a forecast origin over every
step after it and forecasts 1..horizon steps ahead, for the cluster (sum of all VMs' CPU MHz)
and for each VM. Reports per model the MAE of the p50 forecast, skill (MAE / persistence MAE on
the same points), skill_seasonal (against daily seasonal naive) and p90 coverage. The cluster's
candidates include bottom-up ones (bottom_up_MODEL: the cluster's last value plus the VMs'
predicted changes under MODEL), chosen like any other only if they beat persistence on validation.

  --users N         evaluate only the first N VMs (by id) per-user; the cluster uses (and predicts) all
  --no-lstm         skip the global LSTM
  --lstm-epochs E   training epochs (default 12); --lstm-seconds caps training CPU time (default 240)
  --save-model FILE write the trained LSTM as a versioned JSON artifact (load with loadLstm)
`;

export const command: Command = {
  name: 'forecast-eval',
  summary: 'Evaluate the forecasters on real traces (rolling origin, skill vs persistence, p90 coverage)',
  usage,
  async run(argv) {
    const { values } = parseFlags(argv, {
      trace: { type: 'string', multiple: true },
      format: { type: 'string' },
      'train-until': { type: 'string' },
      horizon: { type: 'string' },
      json: { type: 'string' },
      users: { type: 'string' },
      seed: { type: 'string' },
      'no-lstm': { type: 'boolean' },
      'lstm-epochs': { type: 'string' },
      'lstm-seconds': { type: 'string' },
      'save-model': { type: 'string' },
    });
    if (!values.trace?.length) throw new UsageError('at least one --trace is required');
    if (values.format !== 'bitbrains') throw new UsageError(`--format must be 'bitbrains'${values.format ? `, got '${values.format}'` : ''}`);
    const trainUntilMs = Date.parse(values['train-until'] ?? '');
    if (!Number.isFinite(trainUntilMs)) throw new UsageError('--train-until must be an ISO date-time, e.g. 2013-08-01T00:00:00Z');
    const horizon = numberFlag('horizon', values.horizon, 12);
    if (!Number.isInteger(horizon) || horizon < 1 || horizon > 288) throw new UsageError('--horizon must be an integer in 1..288');
    const users = numberFlag('users', values.users, Infinity);
    if (!(users >= 1)) throw new UsageError('--users must be at least 1');
    // Before the training: the artifact is written only after minutes of it.
    if (values['save-model']) checkWritableFile('--save-model', values['save-model']);
    // require, not import(): cli/prm.cjs registers tsx for CommonJS only, so import() of a .ts
    // module fails at run time. Loading here keeps the command cheap to list.
    /* eslint-disable @typescript-eslint/no-require-imports */
    const { runForecastEval } = require('../../models/forecasting/benchmark') as typeof import('../../models/forecasting/benchmark');
    const { formatReport } = require('../../models/forecasting/report') as typeof import('../../models/forecasting/report');
    const { parseBitbrainsLine } = require('../../models/traces/bitbrains') as typeof import('../../models/traces/bitbrains');
    const { readLines } = require('../read-lines') as typeof import('../read-lines');
    /* eslint-enable @typescript-eslint/no-require-imports */
    const traces = values.trace;
    async function* samples() {
      for (const path of traces) {
        let n = 0;
        for await (const line of readLines(path)) {
          const s = parseBitbrainsLine(line, ++n);
          if (s) yield s;
          if (n % 1_000_000 === 0) process.stderr.write(`forecast-eval: ${path}: ${n.toLocaleString('en')} lines\n`);
        }
      }
    }
    const log = (line: string) => process.stderr.write(`${line}\n`);
    const seed = numberFlag('seed', values.seed, 42);
    // Unset: the LSTM's own default (lstm.ts), so the schedule is defined in one place.
    const epochs = values['lstm-epochs'] === undefined ? {} : { epochs: numberFlag('lstm-epochs', values['lstm-epochs'], 0) };
    const maxSeconds = numberFlag('lstm-seconds', values['lstm-seconds'], 240);
    const clock = () => performance.now();
    // The training cap counts this process's CPU time, so on a busy machine the LSTM still gets
    // the same training (and stays reproducible) instead of being cut short by other work.
    const cpuClock = () => { const u = process.cpuUsage(); return (u.user + u.system) / 1000; };
    const global = values['no-lstm'] ? undefined : {
      async train(series: import('../../models/forecasting/forecaster').Series[], until: number) {
        /* eslint-disable @typescript-eslint/no-require-imports */
        const { initTfBackend } = require('../../models/tf/backend') as typeof import('../../models/tf/backend');
        const { trainLstm } = require('../../models/forecasting/lstm') as typeof import('../../models/forecasting/lstm');
        const { saveLstm } = require('../../models/forecasting/lstm-artifact') as typeof import('../../models/forecasting/lstm-artifact');
        /* eslint-enable @typescript-eslint/no-require-imports */
        await initTfBackend(log);
        const model = await trainLstm(series, until, { config: { horizon, ...epochs, seed }, maxSeconds, clock: cpuClock, log });
        const artifact = await saveLstm(model, series[0]!.startSeconds + until * series[0]!.stepSeconds);
        log(`forecast-eval: trained ${artifact.modelVersion}`);
        if (values['save-model']) writeFileSync(values['save-model'], JSON.stringify(artifact));
        return model;
      },
    };
    const report = await runForecastEval({
      samples: samples(),
      trainUntilSeconds: trainUntilMs / 1000,
      horizon,
      users,
      global,
      clock,
      log,
    });
    process.stdout.write(formatReport(report));
    if (values.json) writeFileSync(values.json, `${JSON.stringify(report, null, 2)}\n`);
    return 0;
  },
};
