import type { Type } from 'avsc';
import { typeOf } from './canonical';
import { compatibilityProblems, defaultCompatibility, type CompatibilityLevel } from './compatibility';
import {
  incompatibleSchema,
  invalidSchema,
  RegistryError,
  schemaNotFound,
  subjectNotFound,
  subjectNotSoftDeleted,
  versionNotFound,
} from './errors';
import type { LogRecord, SchemaRecord } from './records';

/** One version of a subject as the API shows it. */
export interface SubjectVersion {
  subject: string;
  version: number;
  id: number;
  schema: string;
}

/** What applying one record did; the instance that wrote the record answers its client with it. */
export type Outcome =
  | { ok: true; kind: 'registered'; version: SubjectVersion; created: boolean }
  | { ok: true; kind: 'deleted'; versions: number[] }
  | { ok: true; kind: 'config'; compatibility: CompatibilityLevel | null }
  | { ok: false; error: RegistryError; stale?: true };

/** What registering a schema under a subject needs: nothing (it is live there already), or this record written. */
export type Plan = { kind: 'exists'; version: SubjectVersion } | { kind: 'propose'; record: SchemaRecord };

interface VersionEntry {
  version: number;
  id: number;
  deleted: boolean;
}

/**
 * The registry's whole state, built by applying the log in order. Deterministic: the same
 * records in the same order give the same ids, versions and verdicts on every instance, which
 * is what lets several instances share one topic without a leader. No IO, no clock.
 *
 * - A schema's global id is given the first time its canonical text is accepted under any
 *   subject; the same schema under another subject reuses the id (as Confluent does).
 * - A schema already live under the subject is not registered again: the earlier version wins,
 *   so concurrent duplicate registrations dedupe to the first in the log.
 * - Compatibility is checked by the writer (plan()) against the versions it has read; its
 *   record names the version number that implies, and apply() takes it only if the subject got
 *   no other version in between. A record that lost such a race is refused as stale and its
 *   writer plans again on the newer state, so two instances cannot both slip past the rule, and
 *   replaying the log never depends on how compatibility is judged.
 */
export class RegistryState {
  private readonly schemas: string[] = [];
  private readonly idByText = new Map<string, number>();
  private readonly types = new Map<number, Type>();
  private readonly subjects = new Map<string, VersionEntry[]>();
  private readonly configs = new Map<string, CompatibilityLevel>();
  private globalLevel: CompatibilityLevel = defaultCompatibility;

  apply(record: LogRecord): Outcome {
    switch (record.kind) {
      case 'SCHEMA':
        return this.register(record);
      case 'DELETE_SUBJECT':
        return this.deleteSubject(record.subject, record.permanent);
      case 'CONFIG':
        if (record.subject === null) this.globalLevel = record.compatibility ?? defaultCompatibility;
        else if (record.compatibility === null) this.configs.delete(record.subject);
        else this.configs.set(record.subject, record.compatibility);
        return { ok: true, kind: 'config', compatibility: record.compatibility };
    }
  }

  /** How to register `schema` under `subject` given the log read so far; throws if it may not be. */
  plan(subject: string, schema: string): Plan {
    const existing = this.liveVersion(subject, schema);
    if (existing) return { kind: 'exists', version: existing };
    const problem = this.registrationProblem(subject, schema);
    if (problem) throw problem;
    return { kind: 'propose', record: { kind: 'SCHEMA', subject, schema, version: this.nextVersion(subject) } };
  }

  private registrationProblem(subject: string, schema: string): RegistryError | undefined {
    let candidate: Type;
    try {
      candidate = typeOf(schema);
    } catch (err) {
      return invalidSchema((err as Error).message);
    }
    const level = this.compatibility(subject);
    const problems = compatibilityProblems(level, candidate, this.prior(subject));
    if (problems.length === 0) return undefined;
    return incompatibleSchema(
      `Schema being registered is incompatible with an earlier schema for subject "${subject}" under ${level} compatibility: ${problems.join('; ')}`,
    );
  }

  /** Problems of `candidate` against one version or, for `undefined`, what the subject's level checks. */
  compatibilityCheck(subject: string, candidate: Type, version: number | 'latest' | undefined): string[] {
    const level = this.compatibility(subject);
    if (version === undefined) return compatibilityProblems(level, candidate, this.prior(subject));
    const target = this.version(subject, version);
    // Against one named version the check is that version alone, whatever the transitivity.
    return compatibilityProblems(level.replace('_TRANSITIVE', '') as CompatibilityLevel, candidate, [{ version: target.version, type: this.typeOfId(target.id) }]);
  }

  subjectNames(includeDeleted = false): string[] {
    return [...this.subjects.entries()]
      .filter(([, versions]) => versions.some((v) => includeDeleted || !v.deleted))
      .map(([name]) => name)
      .sort();
  }

  versionNumbers(subject: string, includeDeleted = false): number[] {
    const versions = this.subjects.get(subject)?.filter((v) => includeDeleted || !v.deleted) ?? [];
    if (versions.length === 0) throw subjectNotFound(subject);
    return versions.map((v) => v.version);
  }

  version(subject: string, version: number | 'latest'): SubjectVersion {
    const live = this.subjects.get(subject)?.filter((v) => !v.deleted) ?? [];
    if (live.length === 0) throw subjectNotFound(subject);
    const entry = version === 'latest' ? live[live.length - 1] : live.find((v) => v.version === version);
    if (!entry) throw versionNotFound(subject, version);
    return this.view(subject, entry);
  }

  /** The live version of `subject` holding exactly this canonical schema (POST /subjects/:subject). */
  lookup(subject: string, schema: string): SubjectVersion {
    if (!this.subjects.get(subject)?.some((v) => !v.deleted)) throw subjectNotFound(subject);
    const found = this.liveVersion(subject, schema);
    if (!found) throw schemaNotFound(`for subject '${subject}'`);
    return found;
  }

  liveVersion(subject: string, schema: string): SubjectVersion | undefined {
    const entry = this.liveMatch(subject, schema);
    return entry && this.view(subject, entry);
  }

  schemaById(id: number): string {
    const schema = this.schemas[id - 1];
    if (schema === undefined) throw schemaNotFound(`with id ${id}`);
    return schema;
  }

  /** Subjects and versions that use a schema id (GET /schemas/ids/:id/versions). */
  usesOf(id: number): { subject: string; version: number }[] {
    this.schemaById(id);
    return [...this.subjects.entries()].flatMap(([subject, versions]) =>
      versions.filter((v) => v.id === id && !v.deleted).map((v) => ({ subject, version: v.version })),
    );
  }

  subjectCompatibility(subject: string): CompatibilityLevel | undefined {
    return this.configs.get(subject);
  }

  globalCompatibility(): CompatibilityLevel {
    return this.globalLevel;
  }

  compatibility(subject: string): CompatibilityLevel {
    return this.configs.get(subject) ?? this.globalLevel;
  }

  get schemaCount(): number {
    return this.schemas.length;
  }

  private register({ subject, schema, version }: SchemaRecord): Outcome {
    const existing = this.liveMatch(subject, schema);
    if (existing) return { ok: true, kind: 'registered', version: this.view(subject, existing), created: false };
    const expected = this.nextVersion(subject);
    if (version !== expected && version !== 'next') {
      return {
        ok: false,
        stale: true,
        error: new RegistryError(409, 40901, `subject '${subject}' got version ${expected - 1} while version ${version} was being registered`),
      };
    }
    let id = this.idByText.get(schema);
    if (id === undefined) {
      this.schemas.push(schema);
      id = this.schemas.length;
      this.idByText.set(schema, id);
    }
    const versions = this.subjects.get(subject) ?? [];
    const entry = { version: expected, id, deleted: false };
    versions.push(entry);
    this.subjects.set(subject, versions);
    return { ok: true, kind: 'registered', version: this.view(subject, entry), created: true };
  }

  /** Numbering goes on after soft deletes, as Confluent's does: a version number is never reused for another schema. */
  private nextVersion(subject: string): number {
    const versions = this.subjects.get(subject) ?? [];
    return (versions[versions.length - 1]?.version ?? 0) + 1;
  }

  private deleteSubject(subject: string, permanent: boolean): Outcome {
    const versions = this.subjects.get(subject) ?? [];
    if (versions.length === 0) return { ok: false, error: subjectNotFound(subject) };
    if (permanent) {
      if (versions.some((v) => !v.deleted)) return { ok: false, error: subjectNotSoftDeleted(subject) };
      this.subjects.delete(subject);
      return { ok: true, kind: 'deleted', versions: versions.map((v) => v.version) };
    }
    const live = versions.filter((v) => !v.deleted);
    if (live.length === 0) return { ok: false, error: subjectNotFound(subject) };
    for (const v of live) v.deleted = true;
    return { ok: true, kind: 'deleted', versions: live.map((v) => v.version) };
  }

  private liveMatch(subject: string, schema: string): VersionEntry | undefined {
    const id = this.idByText.get(schema);
    if (id === undefined) return undefined;
    return this.subjects.get(subject)?.find((v) => v.id === id && !v.deleted);
  }

  private prior(subject: string) {
    return (this.subjects.get(subject) ?? []).filter((v) => !v.deleted).map((v) => ({ version: v.version, type: this.typeOfId(v.id) }));
  }

  private typeOfId(id: number): Type {
    let type = this.types.get(id);
    if (!type) {
      type = typeOf(this.schemaById(id));
      this.types.set(id, type);
    }
    return type;
  }

  private view(subject: string, entry: VersionEntry): SubjectVersion {
    return { subject, version: entry.version, id: entry.id, schema: this.schemaById(entry.id) };
  }
}
