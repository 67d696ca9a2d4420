import type { Admin } from 'kafkajs';
import type { TopicSpec } from './topics';

/** The admin calls topic checking needs (a kafkajs Admin has them). */
export type TopicAdmin = Pick<Admin, 'listTopics' | 'createTopics' | 'fetchTopicMetadata' | 'describeConfigs'>;

/** A topic as the cluster has it. */
export interface ObservedTopic {
  partitions: number;
  replicationFactor: number;
  /** Effective values of the settings PRM cares about. */
  configs: Partial<Record<CheckedSetting, string>>;
}

export type CheckedSetting = 'cleanup.policy' | 'retention.ms';
const checkedSettings: CheckedSetting[] = ['cleanup.policy', 'retention.ms'];

/** One setting that differs from the catalogue. */
export interface TopicDrift {
  setting: 'partitions' | CheckedSetting;
  expected: string;
  actual: string;
}

export type TopicOutcome = 'created' | 'ok' | 'drift' | 'missing';

export interface TopicReport {
  topic: string;
  event: string;
  outcome: TopicOutcome;
  /** What the cluster has (after creation), absent when the topic is missing. */
  observed?: ObservedTopic;
  drift: TopicDrift[];
}

/** The catalogue's topic settings as Kafka topic configs. */
export function topicConfigs(spec: TopicSpec): Record<CheckedSetting, string> {
  return { 'cleanup.policy': spec.cleanupPolicy, 'retention.ms': String(spec.retentionMs) };
}

/** Where an existing topic differs from its catalogue entry. Pure. */
export function topicDrift(spec: TopicSpec, observed: ObservedTopic): TopicDrift[] {
  const drift: TopicDrift[] = [];
  if (observed.partitions !== spec.partitions) {
    drift.push({ setting: 'partitions', expected: String(spec.partitions), actual: String(observed.partitions) });
  }
  const expected = topicConfigs(spec);
  for (const setting of checkedSettings) {
    const actual = observed.configs[setting] ?? '(unknown)';
    if (normalise(setting, actual) !== normalise(setting, expected[setting])) drift.push({ setting, expected: expected[setting], actual });
  }
  return drift;
}

// Kafka reports "compact,delete" and "delete,compact" alike; order carries no meaning.
function normalise(setting: CheckedSetting, value: string): string {
  return setting === 'cleanup.policy' ? value.split(',').map((s) => s.trim()).sort().join(',') : value.trim();
}

export interface EnsureTopicsOptions {
  /** Create missing topics (true) or only report them (false, a dry check). */
  create: boolean;
  replicationFactor: number;
  /** How long created topics may take to have a leader on every partition. Default 30 s. */
  leaderWaitMs?: number;
}

/**
 * Creates missing catalogue topics and checks existing ones. Idempotent: running it again
 * creates nothing and reports the same drift. Existing topics are never altered; drift is for
 * an operator to resolve (partitions cannot shrink, and changing them moves keys).
 */
export async function ensureTopics(admin: TopicAdmin, specs: readonly TopicSpec[], options: EnsureTopicsOptions): Promise<TopicReport[]> {
  const existing = new Set(await admin.listTopics());
  const missing = specs.filter((s) => !existing.has(s.name));
  const created = new Set<string>();
  if (options.create && missing.length > 0) {
    await admin.createTopics({
      // kafkajs' own wait retries only LEADER_NOT_AVAILABLE; untilLed below also outlasts a
      // broker whose metadata is a moment behind the controller's.
      waitForLeaders: false,
      topics: missing.map((s) => ({
        topic: s.name,
        numPartitions: s.partitions,
        replicationFactor: options.replicationFactor,
        configEntries: Object.entries(topicConfigs(s)).map(([name, value]) => ({ name, value })),
      })),
    });
    missing.forEach((s) => created.add(s.name));
    await untilLed(admin, [...created], options.leaderWaitMs ?? 30_000);
  }
  const present = specs.filter((s) => existing.has(s.name) || created.has(s.name));
  const observed = await observeTopics(admin, present.map((s) => s.name));
  return specs.map((spec) => {
    const seen = observed.get(spec.name);
    if (!seen) return { topic: spec.name, event: spec.event, outcome: 'missing', drift: [] };
    const drift = topicDrift(spec, seen);
    const outcome: TopicOutcome = drift.length > 0 ? 'drift' : created.has(spec.name) ? 'created' : 'ok';
    return { topic: spec.name, event: spec.event, outcome, observed: seen, drift };
  });
}

/**
 * Waits until every partition of `names` has a leader. Right after a create, the broker that
 * answers may not know the topic yet ("does not host this topic-partition") or not have its
 * leader; both pass within moments, so they are asked again until `timeoutMs`.
 */
export async function untilLed(admin: Pick<Admin, 'fetchTopicMetadata'>, names: string[], timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let waitingFor = 'metadata';
  for (;;) {
    try {
      const { topics } = await admin.fetchTopicMetadata({ topics: names });
      const leaderless = topics.filter((t) => t.partitions.length === 0 || t.partitions.some((p) => p.leader < 0)).map((t) => t.name);
      const unknown = names.filter((n) => !topics.some((t) => t.name === n));
      if (leaderless.length === 0 && unknown.length === 0) return;
      waitingFor = `leaders of ${[...unknown, ...leaderless].join(', ')}`;
    } catch (error) {
      if (!isNotYetServed(error)) throw error;
      waitingFor = (error as Error).message;
    }
    if (Date.now() >= deadline) throw new Error(`created topics not served within ${timeoutMs} ms: ${waitingFor}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** Broker answers about a topic just created, while its partitions' leaders are being elected. */
export function isNotYetServed(error: unknown): boolean {
  const type = (error as { type?: unknown } | null)?.type;
  return type === 'UNKNOWN_TOPIC_OR_PARTITION' || type === 'LEADER_NOT_AVAILABLE' || type === 'NOT_LEADER_FOR_PARTITION';
}

async function observeTopics(admin: TopicAdmin, names: string[]): Promise<Map<string, ObservedTopic>> {
  const out = new Map<string, ObservedTopic>();
  if (names.length === 0) return out;
  const { topics } = await admin.fetchTopicMetadata({ topics: names });
  // kafkajs ConfigResourceTypes.TOPIC; a literal keeps this module free of a runtime kafkajs import.
  const topicResource = 2;
  const { resources } = await admin.describeConfigs({
    includeSynonyms: false,
    resources: names.map((name) => ({ type: topicResource, name, configNames: checkedSettings })),
  });
  for (const t of topics) {
    const entries = resources.find((r) => r.resourceName === t.name)?.configEntries ?? [];
    const configs: ObservedTopic['configs'] = {};
    for (const e of entries) if ((checkedSettings as string[]).includes(e.configName)) configs[e.configName as CheckedSetting] = e.configValue;
    out.set(t.name, {
      partitions: t.partitions.length,
      replicationFactor: Math.min(...t.partitions.map((p) => p.replicas.length)),
      configs,
    });
  }
  return out;
}
