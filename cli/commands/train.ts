import type { Command } from '../command';
import { UsageError } from '../command';
import { numberFlag, parseFlags } from '../args';
import { bareJsonToStdout, emitJson, print, renderTable } from '../output';
import { defaultForecastGrid } from '../../models/training/forecast-model';
import type { TrainingCycleResult } from '../../streams/trainer/cycle';

const usage = `
usage: prm train [--once | --every SECONDS] [--window HOURS] [--at TIME] [--prefix P]
                 [--seed S] [--epochs E] [--min-rows N] [--forecast-step S] [--forecast-horizon S]
                 [--json [FILE]]

Retrains PRM's models from the history database and announces better ones. The command first
records the analyser's features of the requests on prm.requests not yet recorded
(prm.request_features; consumer group <prefix>prm.trainer.features), and keeps doing so with
--every. Each cycle: records the prediction errors of the window's executions per model version
(prm.prediction_errors), retrains the code estimator on the window's code features joined with
the measured telemetry (the analyser's features when the window has enough of them, else the
part prm.code-features keeps; same model family as the shipped one: quantile MLP or log-ridge,
whichever is better on an inner split; seeded), validates it against the version in use on the
same held-out rows (the latest quarter of the window), stores its artifact and validation
(prm.model_artifacts, prm.model_versions), and publishes ModelUpdated on prm.model-updates only
when it is better. Running predictors swap a published version in without restarting.
The cluster-load forecaster likewise: per-pool Holt-Winters weights (damped trend, daily season)
fitted on each pool's load in the window on the forecaster's grid (time_bucket over
prm.cluster_metrics), beside the baselines the forecaster always selects among; scored against
the version in use on the latest quarter of the window; announced when better; running
forecasters swap it in.

Promotion metrics (lower is better; the candidate must be lower on the same held-out data):
code estimator, pinball loss of ln(1 + usage) at p50/p90/p99, mean over CPU time, peak memory
and duration; forecaster, MAE of the p50 load forecast over 1..horizon steps, 2% better at least.
Exit status 3 when no model could be trained (too little history in the window).

  --once         one cycle, then exit (the default)
  --every S      a cycle now and then every S seconds after the previous one ended, until Ctrl-C
  --window H     event-time window in hours, ending at the cycle time (default 24)
  --at TIME      end of the window (ISO 8601) for a single cycle: history from a simulation or
                 a replay (default: now)
  --prefix P     topic-name prefix (default none)
  --seed S       training seed (default 7)
  --epochs E     MLP training epochs (default 400)
  --min-rows N   fewest usable requests in the window to train at all (default 40)
  --forecast-step S     the forecaster processor's grid in seconds (default 300)
  --forecast-horizon S  how far ahead it forecasts in seconds (default 1800)
  --json [FILE]  the cycle results as JSON (to FILE, or instead of the table)
`;

export const command: Command = {
  name: 'train',
  summary: 'retrain the code estimator and the load forecaster from history, validate against the versions in use, announce better ones',
  usage,
  async run(argv) {
    const { values } = parseFlags(bareJsonToStdout(argv), {
      once: { type: 'boolean', default: false },
      every: { type: 'string' },
      window: { type: 'string' },
      at: { type: 'string' },
      prefix: { type: 'string', default: '' },
      seed: { type: 'string' },
      epochs: { type: 'string' },
      'min-rows': { type: 'string' },
      'forecast-step': { type: 'string' },
      'forecast-horizon': { type: 'string' },
      json: { type: 'string' },
    });
    if (values.once && values.every !== undefined) throw new UsageError('--once and --every exclude each other');
    const everySeconds = values.every === undefined ? undefined : numberFlag('every', values.every, 0);
    if (everySeconds !== undefined && !(everySeconds > 0)) throw new UsageError('--every must be a positive number of seconds');
    if (everySeconds !== undefined && values.at !== undefined) throw new UsageError('--at is for a single cycle');
    if (everySeconds !== undefined && values.json === '-') throw new UsageError('--every prints a table per cycle: use --json FILE');
    const windowHours = numberFlag('window', values.window, 24);
    if (!(windowHours > 0)) throw new UsageError('--window must be a positive number of hours');
    const at = values.at === undefined ? undefined : new Date(values.at);
    if (at && Number.isNaN(at.getTime())) throw new UsageError(`--at must be an ISO 8601 time, got '${values.at}'`);
    const epochs = numberFlag('epochs', values.epochs, 400);
    const minRows = numberFlag('min-rows', values['min-rows'], 40);
    if (!Number.isInteger(epochs) || epochs < 1) throw new UsageError('--epochs must be a positive integer');
    if (!Number.isInteger(minRows) || minRows < 40) throw new UsageError('--min-rows must be an integer of at least 40 (the inner split needs 20 training rows)');
    const stepSeconds = numberFlag('forecast-step', values['forecast-step'], 300);
    const horizonSeconds = numberFlag('forecast-horizon', values['forecast-horizon'], 1800);
    if (!(stepSeconds >= 1) || !(horizonSeconds >= stepSeconds)) throw new UsageError('--forecast-step must be at least 1 s and --forecast-horizon at least one step');
    const options = {
      windowMs: windowHours * 3_600_000, seed: numberFlag('seed', values.seed, 7), epochs, minRows,
      forecastGrid: { ...defaultForecastGrid, stepMs: stepSeconds * 1000, horizonMs: horizonSeconds * 1000 },
    };

    /* eslint-disable @typescript-eslint/no-require-imports */
    const { connectionFromEnv } = require('../../stack/connection') as typeof import('../../stack/connection');
    const trainer = require('../../streams/trainer') as typeof import('../../streams/trainer');
    /* eslint-enable @typescript-eslint/no-require-imports */
    const connection = connectionFromEnv();
    const service = await trainer.connectTrainer({ databaseUrl: connection.databaseUrl, kafka: connection.kafka, registry: connection.registry, prefix: values.prefix, options });
    try {
      await service.recorder.start();
      await service.recorder.caughtUp();
      process.stderr.write(`train: analyser features of ${service.recorder.recorded()} requests recorded\n`);
      if (everySeconds === undefined) {
        const result = await trainer.runTrainingCycle(service.deps, at ?? new Date());
        if (values.json !== '-') print(report(result));
        emitJson(values.json, result);
        return result.models.every((m) => m.status === 'skipped') ? 3 : 0;
      }
      const results: TrainingCycleResult[] = [];
      await new Promise<void>((resolve) => {
        const loop = trainer.startTrainingLoop((now) => trainer.runTrainingCycle(service.deps, now), {
          everyMs: everySeconds * 1000,
          onCycle: (result) => {
            results.push(result);
            print(report(result));
            emitJson(values.json, results);
          },
          onError: (error) => process.stderr.write(`train: cycle failed (${error.message}); next in ${everySeconds} s\n`),
        });
        const stop = () => {
          process.stderr.write('train: stopping after the cycle in flight\n');
          void loop.stop().then(resolve);
        };
        process.once('SIGINT', stop);
        process.once('SIGTERM', stop);
      });
      return 0;
    } finally {
      await service.close();
    }
  },
};

const fixed = (x: number | undefined, digits = 4) => (x === undefined || !Number.isFinite(x) ? '-' : x.toFixed(digits));

function report(r: TrainingCycleResult): string {
  const lines = [
    `window ${r.window.from.toISOString()} .. ${r.window.to.toISOString()}: ${r.buckets.reduce((s, b) => s + b.requests, 0)} requests analysed, ` +
      `${r.buckets.reduce((s, b) => s + b.executions, 0)} successful executions, ${r.predictionErrorRows} prediction error rows added`,
    '',
    renderTable([
      ['model', 'inputs', 'metric', 'current', 'current score', 'candidate', 'candidate score', 'held out', 'promoted', 'why'],
      ...r.models.map((m) => [
        m.model, m.inputs, m.score?.metric ?? '-', m.currentVersion, fixed(m.score?.current), m.candidateVersion ?? '-', fixed(m.score?.candidate),
        String(m.heldOutRows ?? 0), m.status === 'promoted' ? 'yes' : 'no', m.reason,
      ]),
    ]),
  ];
  if (r.errorsByVersion.length > 0) {
    lines.push('', 'CPU-time error per model version over the window (prm.prediction_errors):', renderTable([
      ['model', 'version', 'samples', 'mae ln(1+cpu_ms)', 'p90 coverage'],
      ...r.errorsByVersion.map((e) => [e.modelName, e.modelVersion, String(e.samples), fixed(e.maeLogCpuMs, 3), fixed(e.coverageP90CpuMs, 2)]),
    ]));
  }
  return lines.join('\n');
}
