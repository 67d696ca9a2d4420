import type { Kafka, Producer } from 'kafkajs';
import type { EventSerde } from '../../schemas/serde';

export interface PoolClockOptions {
  kafka: Kafka;
  serde: EventSerde;
  /** The prm.pool-clock topic (prefixed). */
  topic: string;
  pool: string;
  /** Who publishes: the replay run id. */
  source: string;
  /** The replay's time now (event ms). */
  now(): number;
  /**
   * How far the pool's clock trails the replay's time, in event ms: a dispatch still in the
   * pipeline for up to this long reaches the pool before its time has passed it, at the cost of
   * every job's end being seen that much later.
   */
  lagMs: number;
  /** Wall ms between ticks: at speed S a job's end is seen up to S times this late. Default 250. */
  everyMs?: number;
}

export interface RunningPoolClock {
  /** The time of the last tick published. */
  readonly last: number;
  stop(): Promise<void>;
}

/**
 * Publishes a simulated pool's time while a replay runs: a simulated cluster has no time of its
 * own, and without ticks its jobs would not end and its samples stop whenever no job arrives.
 */
export async function startPoolClock(o: PoolClockOptions): Promise<RunningPoolClock> {
  const producer: Producer = o.kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();
  let last = -Infinity;
  let inFlight: Promise<unknown> = Promise.resolve();
  const tick = () => {
    const at = Math.floor(o.now() - o.lagMs);
    if (at <= last) return;
    last = at;
    const { key, value } = o.serde.message<'PoolClock'>(o.topic, { pool: o.pool, at: new Date(at), source: o.source });
    // A tick that fails to send is superseded by the next one: time only has to pass eventually.
    inFlight = inFlight.then(() => producer.send({ topic: o.topic, acks: -1, messages: [{ key, value, timestamp: String(at) }] })).catch(() => undefined);
  };
  const timer = setInterval(tick, o.everyMs ?? 250);
  tick();
  return {
    get last() {
      return last;
    },
    async stop() {
      clearInterval(timer);
      await inFlight;
      await producer.disconnect();
    },
  };
}
