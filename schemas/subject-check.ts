import { eventSchema } from './events';
import { RegistryResponseError, registryRequest, subjectCompatibility, type Compatibility, type RegistryConnection } from './registry-http';
import { valueSubject, type TopicSpec } from './topics';

export type SubjectStatus = 'matches' | 'not-registered' | 'differs';

/** How a topic's value subject in the registry compares with this checkout's .avsc. */
export interface SubjectReport {
  topic: string;
  subject: string;
  status: SubjectStatus;
  latestVersion?: number;
  latestId?: number;
  /** The subject's own level; undefined when it only inherits the registry default. */
  compatibility?: Compatibility;
}

/** Structural equality of two schemas regardless of key order (registries may reorder keys). */
export function sameSchema(a: unknown, b: unknown): boolean {
  return canonical(a) === canonical(b);
}

function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).sort(([x], [y]) => (x < y ? -1 : x > y ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonical(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

/** Reads each topic's value subject: latest version, whether it is this checkout's schema, compatibility. */
export async function checkSubjects(conn: RegistryConnection, specs: readonly TopicSpec[]): Promise<SubjectReport[]> {
  const reports: SubjectReport[] = [];
  for (const spec of specs) {
    const subject = valueSubject(spec.name);
    let latest: { id: number; version: number; schema: string };
    try {
      latest = await registryRequest(conn, 'GET', `/subjects/${encodeURIComponent(subject)}/versions/latest`);
    } catch (err) {
      if (err instanceof RegistryResponseError && err.status === 404) {
        reports.push({ topic: spec.name, subject, status: 'not-registered' });
        continue;
      }
      throw err;
    }
    const status: SubjectStatus = sameSchema(JSON.parse(latest.schema), eventSchema(spec.event)) ? 'matches' : 'differs';
    const compatibility = await subjectCompatibility(conn, subject);
    reports.push({ topic: spec.name, subject, status, latestVersion: latest.version, latestId: latest.id, compatibility });
  }
  return reports;
}
