import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import { RecordHistogram } from './record-histogram';

/**
 * Per-processor metrics, labelled by app and processor (and partition where it matters), in a
 * prom-client registry the application serves as Prometheus text.
 */
export class RuntimeMetrics {
  readonly recordsIn: Counter<'app' | 'processor'>;
  readonly recordsOut: Counter<'app' | 'processor'>;
  readonly deadLetters: Counter<'app' | 'processor'>;
  readonly lateRecords: Counter<'app' | 'processor'>;
  readonly consumerLag: Gauge<'app' | 'processor' | 'topic' | 'partition'>;
  readonly processingLatency: RecordHistogram<'app' | 'processor'>;
  readonly restoreSeconds: Histogram<'app' | 'processor'>;
  readonly restoredRecords: Counter<'app' | 'processor'>;
  readonly transactions: Counter<'app' | 'processor'>;
  readonly commitLatency: Histogram<'app' | 'processor'>;
  readonly transactionAborts: Counter<'app' | 'processor' | 'reason'>;
  readonly consumerRestarts: Counter<'app' | 'processor'>;
  readonly activeTasks: Gauge<'app' | 'processor'>;

  constructor(readonly registry: Registry = new Registry()) {
    const registers = [registry];
    const base = ['app', 'processor'] as const;
    this.recordsIn = new Counter({ name: 'prm_stream_records_in_total', help: 'Records read by a processor', labelNames: base, registers });
    this.recordsOut = new Counter({ name: 'prm_stream_records_out_total', help: 'Records a processor committed to its outputs', labelNames: base, registers });
    this.deadLetters = new Counter({ name: 'prm_stream_dead_letters_total', help: 'Records sent to the dead-letter topic', labelNames: base, registers });
    this.lateRecords = new Counter({ name: 'prm_stream_late_records_total', help: 'Records older than the watermark', labelNames: base, registers });
    this.consumerLag = new Gauge({ name: 'prm_stream_consumer_lag', help: 'Records behind the end of an input partition', labelNames: [...base, 'topic', 'partition'], registers });
    this.processingLatency = new RecordHistogram({
      name: 'prm_stream_processing_latency_seconds',
      help: 'Time to process one record (processor logic, timers, serdes)',
      labelNames: base,
      buckets: [1e-5, 5e-5, 1e-4, 5e-4, 1e-3, 5e-3, 0.01, 0.05, 0.1, 0.5],
      registers,
    });
    this.restoreSeconds = new Histogram({
      name: 'prm_stream_restore_seconds',
      help: 'Time to restore a task\'s stores from their changelogs',
      labelNames: base,
      buckets: [0.01, 0.1, 0.5, 1, 2, 5, 10, 30, 60],
      registers,
    });
    this.restoredRecords = new Counter({ name: 'prm_stream_restored_records_total', help: 'Changelog records replayed into stores', labelNames: base, registers });
    this.transactions = new Counter({ name: 'prm_stream_transactions_total', help: 'Transactions committed', labelNames: base, registers });
    this.commitLatency = new Histogram({
      name: 'prm_stream_commit_latency_seconds',
      help: 'Time from a transaction\'s first send to its commit: the broker round trips of an exactly-once chunk',
      labelNames: base,
      buckets: [0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 5],
      registers,
    });
    this.transactionAborts = new Counter({ name: 'prm_stream_transaction_aborts_total', help: 'Transactions aborted', labelNames: [...base, 'reason'], registers });
    this.consumerRestarts = new Counter({ name: 'prm_stream_consumer_restarts_total', help: 'Consumers rejoined after kafkajs gave up on an absent broker', labelNames: base, registers });
    this.activeTasks = new Gauge({ name: 'prm_stream_active_tasks', help: 'Tasks (input partitions) this instance owns', labelNames: base, registers });
  }

  /** Prometheus text exposition of everything in the registry. */
  async text(): Promise<string> {
    return this.registry.metrics();
  }
}
