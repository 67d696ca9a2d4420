import { numberFlag, parseFlags } from '../args';
import type { Command } from '../command';
import { UsageError } from '../command';
import { instanceIdProblem } from '../../streams/runtime/instance-id';

const usage = `
usage: prm run [--processors P1,P2] [--app ID] [--topic-prefix P] [--pool NAME] [--simulate-pool]
               [--instance-cores N] [--instance-memory-gib N] [--boot-delay S] [--min-instances N]
               [--max-instances N] [--run-lease-grace S] [--fuse A+B,...] [--instance-id ID]
               [--metrics-port PORT]

Runs PRM's processors on Kafka until Ctrl-C or SIGTERM (which finish the transaction in flight,
leave the consumer groups and close cleanly). Connection from the environment:
KAFKA_BROKERS, KAFKA_SSL, KAFKA_SSL_CA_FILE, KAFKA_SASL_MECHANISM (plain, scram-sha-256,
scram-sha-512), KAFKA_SASL_USERNAME, KAFKA_SASL_PASSWORD, SCHEMA_REGISTRY_URL,
SCHEMA_REGISTRY_USERNAME, SCHEMA_REGISTRY_PASSWORD, DATABASE_URL; else the local stack's.

Scaling out: start the same command in more processes with the same --app. Each processor is a
consumer group; its partitions and their state (restored from the changelogs) spread over the
instances, so two instances of the predictor each take half of prm.requests:
  npx prm run --processors predictor &      # instance 1
  npx prm run --processors predictor &      # instance 2
  npx prm run --processors profiler,forecaster,planner,fleet-broadcast,scheduler,sink

  --processors P   some of: predictor, profiler, forecaster, planner, fleet-broadcast, scheduler,
                   sink (the history sink into DATABASE_URL), trainer (retrains the code estimator
                   every 5 minutes on the last 24 h; the predictor hot-swaps promoted versions),
                   and with --simulate-pool simulated-pool-<pool>; default all
  --app ID         application id: consumer groups, transactional ids, changelogs (default prm)
  --topic-prefix P prefix of every topic name (a shared cluster; default none)
  --pool NAME      the instance pool planned and scheduled for (default replay)
  --simulate-pool  run a simulated pool for the pool (replays; needs prm.pool-clock ticks)
  --instance-cores N, --instance-memory-gib N, --boot-delay S, --min-instances N,
  --max-instances N   the pool's shape (defaults 8, 32, 120, 1, 24)
  --run-lease-grace S  seconds past a run's timeout, in the pool's time (its telemetry), before the
                   scheduler presumes a run that never reported lost and frees its room (default
                   900); a pool whose clock runs faster than the wall's (a replay) needs more
  --fuse A+B,...   run processors fused, one task and transaction per partition: predictor+scheduler
                   hands each prediction to the scheduler in the predictor's transaction (one
                   exactly-once hop to the dispatch instead of two); its consumer group is
                   <app>.predictor+scheduler. Give every instance of an app the same --fuse: one
                   started with another fusing than the app ran with refuses to start (its new
                   consumer group would read the inputs from the beginning again).
  --instance-id ID this instance's stable id, unique among the app's live instances (default
                   PRM_INSTANCE_ID, else a random one per start): its transactional ids are
                   <app>.<processor>.<ID>, so a restarted instance aborts its predecessor's open
                   transactions at once, where a random id leaves them to the broker's timeout
                   (10 s, then its next check) while their partitions' readers wait. A
                   StatefulSet's pod name fits; two live instances with one id fence each other.
  --metrics-port P serve Prometheus metrics on 127.0.0.1:P/metrics
`;

export const command: Command = {
  name: 'run',
  summary: 'run some or all of the processors on Kafka (one instance; start more to scale out)',
  usage,
  async run(argv) {
    const { values } = parseFlags(argv, {
      processors: { type: 'string' },
      app: { type: 'string' },
      'topic-prefix': { type: 'string' },
      pool: { type: 'string' },
      'simulate-pool': { type: 'boolean' },
      'instance-cores': { type: 'string' },
      'instance-memory-gib': { type: 'string' },
      'boot-delay': { type: 'string' },
      'min-instances': { type: 'string' },
      'max-instances': { type: 'string' },
      'run-lease-grace': { type: 'string' },
      'metrics-port': { type: 'string' },
      fuse: { type: 'string' },
      'instance-id': { type: 'string' },
    });
    /* eslint-disable @typescript-eslint/no-require-imports */
    const { connectionFromEnv } = require('../../stack/connection') as typeof import('../../stack/connection');
    const { connectDatabase, connectOnFirstUse, migrate } = require('../../sinks') as typeof import('../../sinks');
    const { defaultPool, processorNames, startPipeline } = require('../../streams/live/pipeline') as typeof import('../../streams/live/pipeline');
    const { jsonLogger } = require('../../streams/runtime/logger') as typeof import('../../streams/runtime/logger');
    /* eslint-enable @typescript-eslint/no-require-imports */
    const pool = {
      ...defaultPool,
      pool: values.pool ?? defaultPool.pool,
      instanceCores: numberFlag('instance-cores', values['instance-cores'], defaultPool.instanceCores),
      instanceMemoryBytes: numberFlag('instance-memory-gib', values['instance-memory-gib'], defaultPool.instanceMemoryBytes / 1024 ** 3) * 1024 ** 3,
      bootDelayMs: numberFlag('boot-delay', values['boot-delay'], defaultPool.bootDelayMs / 1000) * 1000,
      minInstances: numberFlag('min-instances', values['min-instances'], defaultPool.minInstances),
      maxInstances: numberFlag('max-instances', values['max-instances'], defaultPool.maxInstances),
      runLeaseGraceMs: numberFlag('run-lease-grace', values['run-lease-grace'], defaultPool.runLeaseGraceMs / 1000) * 1000,
    };
    pool.initialInstances = Math.min(pool.maxInstances, Math.max(pool.minInstances, defaultPool.initialInstances));
    const simulatePool = values['simulate-pool'] === true;
    const all = processorNames(pool, simulatePool);
    const processors = values.processors?.split(',').map((p) => p.trim()).filter(Boolean) ?? all;
    const unknown = processors.filter((p) => !all.includes(p));
    if (unknown.length > 0) throw new UsageError(`unknown processor ${unknown.join(', ')}: choose from ${all.join(', ')}`);

    // Checked by the runtime (runUnits): an instance running none of a chain takes the same --fuse as the rest.
    const fuse = values.fuse?.split(',').map((chain) => chain.split('+').map((p) => p.trim()));

    const instanceId = values['instance-id'] ?? (process.env.PRM_INSTANCE_ID || undefined);
    const instanceIdRefused = instanceId === undefined ? undefined : instanceIdProblem(instanceId);
    if (instanceIdRefused) throw new UsageError(`--instance-id ${instanceIdRefused}`);
    const connection = connectionFromEnv();
    const logger = jsonLogger();
    const needsDatabase = processors.some((p) => p === 'sink' || p === 'trainer');
    const database = needsDatabase ? await connectDatabase({ url: connection.databaseUrl }) : undefined;
    if (database) await migrate(database);
    // The predictor and the forecaster only load trained models' artifacts: they start, and keep
    // deciding, without waiting for the history database (each load retries while it is away).
    const followsModels = processors.some((p) => p === 'predictor' || p === 'forecaster');
    const modelArtifacts = !database && followsModels ? connectOnFirstUse({ url: connection.databaseUrl }) : undefined;
    const pipeline = await startPipeline({
      connection, app: values.app, topicPrefix: values['topic-prefix'], pool, simulatePool, processors, fuse, instanceId, database, modelArtifacts, logger,
    });
    if (values['metrics-port'] !== undefined) {
      const port = await pipeline.app.serveMetrics(numberFlag('metrics-port', values['metrics-port'], 0));
      process.stderr.write(`prm run: metrics on http://127.0.0.1:${port}/metrics\n`);
    }
    process.stderr.write(`prm run: running ${processors.join(', ')}; Ctrl-C to stop\n`);
    const signalled = new Promise<void>((resolve) => {
      process.once('SIGINT', () => resolve());
      process.once('SIGTERM', () => resolve());
    });
    let code = 0;
    try {
      await Promise.race([signalled, pipeline.stopped]);
    } catch (err) {
      process.stderr.write(`prm run: a processor stopped: ${(err as Error).message}\n`);
      code = 1;
    } finally {
      await pipeline.stop();
      await database?.close();
      await modelArtifacts?.close();
    }
    return code;
  },
};
