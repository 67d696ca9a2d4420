import { randomUUID } from 'node:crypto';
import { parseSchema } from './canonical';
import { isCompatibilityLevel, type CompatibilityLevel } from './compatibility';
import { invalidCompatibility, invalidSchema, notReady, RegistryError, subjectConfigNotFound } from './errors';
import type { LogFollower } from './follower';
import type { LogRecord } from './records';
import type { Outcome, RegistryState, SubjectVersion } from './state';

/** Where records go: produced to the topic, resolved once they are durable (the Kafka adapter). */
export type AppendRecord = (proposal: string, record: LogRecord) => Promise<void>;

export interface RegistryServiceOptions {
  follower: LogFollower;
  append: AppendRecord;
  /** How long a write may take to come back through the log before the client gets a 500 (default 30 s). */
  writeTimeoutMs?: number;
}

/** A schema as clients send it: Confluent's request body for register and lookup. */
export interface SchemaRequest {
  schema?: unknown;
  schemaType?: unknown;
  references?: unknown;
}

/**
 * The registry's operations, over the state the follower keeps. Reads answer from local state;
 * writes go through the log and answer with what applying them did, so every instance agrees.
 */
export class RegistryService {
  private ready = false;
  private readonly follower: LogFollower;
  private readonly append: AppendRecord;
  private readonly writeTimeoutMs: number;

  constructor({ follower, append, writeTimeoutMs = 30_000 }: RegistryServiceOptions) {
    this.follower = follower;
    this.append = append;
    this.writeTimeoutMs = writeTimeoutMs;
  }

  /** Called once the log has been read to its end at startup; until then every call answers 503. */
  markReady(): void {
    this.ready = true;
  }

  private get state(): RegistryState {
    if (!this.ready) throw notReady();
    return this.follower.state;
  }

  subjects(includeDeleted: boolean): string[] {
    return this.state.subjectNames(includeDeleted);
  }

  versions(subject: string, includeDeleted: boolean): number[] {
    return this.state.versionNumbers(subject, includeDeleted);
  }

  version(subject: string, version: number | 'latest'): SubjectVersion {
    return this.state.version(subject, version);
  }

  schemaById(id: number): string {
    return this.state.schemaById(id);
  }

  usesOf(id: number) {
    return this.state.usesOf(id);
  }

  lookup(subject: string, body: SchemaRequest): SubjectVersion {
    const state = this.state;
    return state.lookup(subject, parseSchema(avroSchemaText(body)).canonical);
  }

  /**
   * Registers a schema; a schema already live under the subject answers with its id without a
   * write. A proposal that lost a race to another writer on the same subject is planned again
   * on the newer state: then it is a duplicate, refused as incompatible, or proposed anew.
   */
  async register(subject: string, body: SchemaRequest): Promise<number> {
    const { canonical } = parseSchema(avroSchemaText(body));
    for (let attempt = 1; ; attempt++) {
      const plan = this.state.plan(subject, canonical);
      if (plan.kind === 'exists') return plan.version.id;
      try {
        const outcome = await this.write(plan.record);
        if (outcome.kind !== 'registered') throw new Error(`unexpected outcome ${outcome.kind} for a schema record`);
        return outcome.version.id;
      } catch (err) {
        if (!(err instanceof StaleProposal) || attempt >= maxProposalAttempts) throw err instanceof StaleProposal ? err.error : err;
      }
    }
  }

  async deleteSubject(subject: string, permanent: boolean): Promise<number[]> {
    // 404 without a write when there is nothing to delete: live versions, or for a permanent delete any.
    this.state.versionNumbers(subject, permanent);
    const outcome = await this.write({ kind: 'DELETE_SUBJECT', subject, permanent });
    if (outcome.kind !== 'deleted') throw new Error(`unexpected outcome ${outcome.kind} for a delete record`);
    return outcome.versions;
  }

  compatibility(subject: string | null, defaultToGlobal: boolean): CompatibilityLevel {
    const state = this.state;
    if (subject === null) return state.globalCompatibility();
    const own = state.subjectCompatibility(subject);
    if (own) return own;
    // Clients (@kafkajs/confluent-schema-registry among them) read a 404 here as "first registration".
    if (!defaultToGlobal) throw subjectConfigNotFound(subject);
    return state.globalCompatibility();
  }

  async setCompatibility(subject: string | null, body: { compatibility?: unknown }): Promise<CompatibilityLevel> {
    if (!this.ready) throw notReady();
    const level = body.compatibility;
    if (!isCompatibilityLevel(level)) throw invalidCompatibility(level);
    await this.write({ kind: 'CONFIG', subject, compatibility: level });
    return level;
  }

  /** Removes a subject's own level, returning the one it had; the subject falls back to the global level. */
  async clearCompatibility(subject: string): Promise<CompatibilityLevel> {
    const previous = this.compatibility(subject, false);
    await this.write({ kind: 'CONFIG', subject, compatibility: null });
    return previous;
  }

  /** Problems of a candidate schema against a subject's version, or against what its level checks. */
  compatibilityProblems(subject: string, version: number | 'latest' | undefined, body: SchemaRequest): string[] {
    const state = this.state;
    const { type } = parseSchema(avroSchemaText(body));
    return state.compatibilityCheck(subject, type, version);
  }

  private async write(record: LogRecord): Promise<Exclude<Outcome, { ok: false }>> {
    const proposal = randomUUID();
    const outcome = this.follower.outcomeOf(proposal);
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new RegistryError(500, 50002, `the write was not read back from the registry topic within ${this.writeTimeoutMs} ms`)),
        this.writeTimeoutMs,
      );
    });
    try {
      const [, result] = await Promise.race([Promise.all([this.append(proposal, record), outcome]), timeout]);
      if (!result.ok) throw result.stale ? new StaleProposal(result.error) : result.error;
      return result;
    } catch (err) {
      this.follower.forget(proposal);
      if (err instanceof RegistryError || err instanceof StaleProposal) throw err;
      throw new RegistryError(500, 50001, `could not write to the registry topic: ${(err as Error).message}`);
    } finally {
      clearTimeout(timer);
    }
  }
}

/** A writer loses a race only to another new version of the same subject; past this many the subject is too hot to settle. */
const maxProposalAttempts = 10;

class StaleProposal extends Error {
  constructor(readonly error: RegistryError) {
    super(error.message);
  }
}

function avroSchemaText(body: SchemaRequest): unknown {
  if (body.schemaType !== undefined && body.schemaType !== null && body.schemaType !== 'AVRO') {
    throw invalidSchema(`schema type ${JSON.stringify(body.schemaType)} is not supported: this registry holds AVRO schemas only`);
  }
  if (Array.isArray(body.references) && body.references.length > 0) {
    throw invalidSchema('schema references are not supported by this registry');
  }
  return body.schema;
}
