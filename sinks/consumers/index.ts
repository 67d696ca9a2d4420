/** The Kafka side of the sinks: catalogued topics → rows in TimescaleDB, offsets committed after COMMIT. */
export { createSinkConsumer, sinkInstance, type SinkConsumer, type SinkConsumerOptions, type SinkStats } from './sink-consumer';
export { sinkRoutes, selectRoutes, type SinkRoute } from './routes';
export { sinkBatch, type BatchOutcome, type BatchSteps, type SinkRecord } from './batch-processor';
