/** PRM's history in TimescaleDB (or plain PostgreSQL): the database port, migrations, batched idempotent writes, windowed reads. */
export { connectDatabase, connectOnFirstUse, type Database, type DatabaseOptions, type DeferredDatabase, type Queryable } from './database';
export { describeEngine, type Engine } from './engine';
export { DatabaseConfigError, isTransientDatabaseError } from './errors';
export { retry, type RetryOptions } from './retry';
export { migrate, type MigrationReport } from './migrations/runner';
export { createBatchWriter, batchOf, type BatchWriter, type TableBatch, type WriteResult } from './batch-writer';
export { refreshAggregates, type RefreshWindow } from './aggregates';
export * as tables from './tables';
export * as rows from './rows';
