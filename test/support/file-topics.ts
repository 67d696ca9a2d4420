import type { Kafka } from 'kafkajs';
import { deleteSubject } from '../../schemas/registry-http';
import { ensureTopics } from '../../schemas/topic-admin';
import { findTopic, prefixedCatalogue, type TopicSpec, valueSubject } from '../../schemas/topics';

/**
 * Catalogue topics under the test file's own prefix: created before its tests, deleted with
 * their schema subjects after them. Call at the top level of the file.
 */
export function topicsForFile(kafka: Kafka, registryUrl: string, prefix: string, names: readonly string[]): TopicSpec[] {
  const catalogue = prefixedCatalogue(prefix);
  const specs = names.map((n) => findTopic(`${prefix}${n}`, catalogue));
  beforeAll(async () => {
    const admin = kafka.admin();
    await admin.connect();
    await ensureTopics(admin, specs, { create: true, replicationFactor: 1 });
    await admin.disconnect();
  });
  afterAll(async () => {
    const admin = kafka.admin();
    await admin.connect();
    await admin.deleteTopics({ topics: specs.map((s) => s.name), timeout: 30_000 }).catch(() => undefined);
    await admin.disconnect();
    for (const s of specs) await deleteSubject({ url: registryUrl }, valueSubject(s.name));
  });
  return specs;
}
