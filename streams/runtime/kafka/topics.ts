import type { Admin } from 'kafkajs';
import { ConfigError } from '../errors';
import { type AnyProcessor, changelogTopic, storeNames } from '../topology';

/**
 * Checks what a processor needs before it joins its group: inputs exist and are co-partitioned
 * (a task is one partition number across all of them), outputs and the dead-letter topic
 * exist, and creates missing changelogs compacted, with as many partitions as the inputs.
 * Returns the partition count, i.e. the number of tasks.
 */
export async function prepareTopics(admin: Admin, app: string, p: AnyProcessor, deadLetterTopic: string, replicationFactor = 1): Promise<number> {
  const inputs = Object.values(p.inputs).map((t) => t.name);
  const outputs = [...Object.values(p.outputs).map((t) => t.name), deadLetterTopic];
  const changelogs = storeNames(p).map((s) => changelogTopic(app, p.name, s));
  const existing = new Set(await admin.listTopics());
  const missing = [...inputs, ...outputs].filter((t) => !existing.has(t));
  if (missing.length > 0) throw new ConfigError(`processor '${p.name}' needs topics that do not exist: ${missing.join(', ')}`);

  const meta = await admin.fetchTopicMetadata({ topics: inputs });
  const counts = new Map(meta.topics.map((t) => [t.name, t.partitions.length]));
  const partitions = counts.get(inputs[0]!)!;
  for (const [name, n] of counts) {
    if (n !== partitions) {
      throw new ConfigError(`processor '${p.name}': inputs are not co-partitioned (${inputs[0]} has ${partitions} partitions, ${name} has ${n})`);
    }
  }

  const toCreate = changelogs.filter((t) => !existing.has(t));
  if (toCreate.length > 0) {
    await admin.createTopics({
      waitForLeaders: true,
      topics: toCreate.map((topic) => ({
        topic,
        numPartitions: partitions,
        replicationFactor,
        configEntries: [
          { name: 'cleanup.policy', value: 'compact' },
          { name: 'min.compaction.lag.ms', value: '0' },
        ],
      })),
    });
  }
  // fetchTopicMetadata with no topics describes every topic in the cluster.
  const logMeta = changelogs.length === 0 ? { topics: [] } : await admin.fetchTopicMetadata({ topics: changelogs });
  for (const t of logMeta.topics) {
    if (t.partitions.length !== partitions) {
      throw new ConfigError(`changelog ${t.name} has ${t.partitions.length} partitions but the inputs of '${p.name}' have ${partitions}`);
    }
  }
  return partitions;
}
