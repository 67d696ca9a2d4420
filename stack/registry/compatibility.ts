import type { Type, types } from 'avsc';

export const compatibilityLevels = [
  'NONE',
  'BACKWARD',
  'BACKWARD_TRANSITIVE',
  'FORWARD',
  'FORWARD_TRANSITIVE',
  'FULL',
  'FULL_TRANSITIVE',
] as const;
export type CompatibilityLevel = (typeof compatibilityLevels)[number];

/** Confluent's default when neither the subject nor the registry sets one. */
export const defaultCompatibility: CompatibilityLevel = 'BACKWARD';

export function isCompatibilityLevel(value: unknown): value is CompatibilityLevel {
  return typeof value === 'string' && (compatibilityLevels as readonly string[]).includes(value);
}

/** A live version of a subject, oldest first when passed as a list. */
export interface PriorVersion {
  version: number;
  type: Type;
}

/**
 * Why `candidate` may not follow `prior` under `level`, one line per problem; empty when it may.
 * BACKWARD: the new schema must read data written with the old; FORWARD: the old must read data
 * written with the new; FULL: both. Non-transitive levels check the latest live version only,
 * the transitive ones every live version (Confluent's semantics).
 */
export function compatibilityProblems(level: CompatibilityLevel, candidate: Type, prior: readonly PriorVersion[]): string[] {
  if (level === 'NONE' || prior.length === 0) return [];
  const against = level.endsWith('_TRANSITIVE') ? prior : prior.slice(-1);
  const backward = level.startsWith('BACKWARD') || level.startsWith('FULL');
  const forward = level.startsWith('FORWARD') || level.startsWith('FULL');
  const problems: string[] = [];
  for (const old of against) {
    if (backward) {
      for (const why of readProblems(candidate, old.type)) problems.push(`the new schema cannot read data written with version ${old.version}: ${why}`);
    }
    if (forward) {
      for (const why of readProblems(old.type, candidate)) problems.push(`version ${old.version} cannot read data written with the new schema: ${why}`);
    }
  }
  return problems;
}

/**
 * avsc's resolver decides (it is what consumers will actually run); the walk below only says in
 * words which fields fail and why, since avsc's own message names at most the first problem.
 */
function readProblems(reader: Type, writer: Type): string[] {
  try {
    reader.createResolver(writer);
    return [];
  } catch (err) {
    const why = explain(reader, writer, reader.name ?? reader.typeName, new Set());
    return why.length > 0 ? why : [(err as Error).message];
  }
}

const promotions: Record<string, readonly string[]> = {
  int: ['long', 'float', 'double'],
  long: ['float', 'double'],
  float: ['double'],
  string: ['bytes'],
  bytes: ['string'],
};

function canRead(reader: Type, writer: Type): boolean {
  try {
    reader.createResolver(writer);
    return true;
  } catch {
    return false;
  }
}

function explain(reader: Type, writer: Type, path: string, seen: Set<string>): string[] {
  const kind = (t: Type) => (t.typeName.startsWith('union') ? 'union' : t.typeName);
  if (kind(writer) === 'union') {
    return (writer as types.WrappedUnionType).types.flatMap((branch) =>
      canRead(reader, branch) ? [] : explain(reader, branch, `${path}<${describe(branch)}>`, seen),
    );
  }
  if (kind(reader) === 'union') {
    const branches = (reader as types.WrappedUnionType).types;
    if (branches.some((b) => canRead(b, writer))) return [];
    // The branch the writer's type was meant for (same kind, same name) says more than "no branch".
    const counterpart = branches.find((b) => kind(b) === kind(writer) && b.name === writer.name);
    if (counterpart) return explain(counterpart, writer, path, seen);
    return [`${path}: the writer's ${describe(writer)} matches none of the reader's union branches [${branches.map(describe).join(', ')}]`];
  }
  if (kind(reader) !== kind(writer)) {
    if (promotions[writer.typeName]?.includes(reader.typeName)) return [];
    return [`${path}: type changed from ${describe(writer)} to ${describe(reader)}, which Avro cannot promote`];
  }
  const named = ['record', 'enum', 'fixed'].includes(kind(reader));
  if (named && !sameName(reader, writer)) {
    return [`${path}: name changed from ${writer.name} to ${reader.name} (keep the name or add the old one as an alias)`];
  }
  switch (kind(reader)) {
    case 'record':
      return explainRecord(reader as types.RecordType, writer as types.RecordType, path, seen);
    case 'enum': {
      const readerSymbols = (reader as types.EnumType).symbols;
      const missing = (writer as types.EnumType).symbols.filter((s) => !readerSymbols.includes(s));
      return missing.length > 0 ? [`${path}: symbols ${missing.join(', ')} of the writer are not in the reader's enum, which has no default symbol`] : [];
    }
    case 'fixed': {
      const [r, w] = [(reader as types.FixedType).size, (writer as types.FixedType).size];
      return r === w ? [] : [`${path}: fixed size changed from ${w} to ${r}`];
    }
    case 'array':
      return explain((reader as types.ArrayType).itemsType, (writer as types.ArrayType).itemsType, `${path}[]`, seen);
    case 'map':
      return explain((reader as types.MapType).valuesType as Type, (writer as types.MapType).valuesType as Type, `${path}{}`, seen);
    default:
      return [];
  }
}

function explainRecord(reader: types.RecordType, writer: types.RecordType, path: string, seen: Set<string>): string[] {
  // Recursive schemas (a record containing itself) would otherwise walk forever.
  const pair = `${reader.name}<-${writer.name}`;
  if (seen.has(pair)) return [];
  seen.add(pair);
  const problems: string[] = [];
  for (const field of reader.fields) {
    const source = writer.fields.find((w) => w.name === field.name || field.aliases.includes(w.name));
    if (source) {
      problems.push(...explain(field.type, source.type, `${path}.${field.name}`, seen));
    } else if (field.defaultValue() === undefined) {
      problems.push(`${path}.${field.name}: the reader has this field, the writer does not, and it has no default`);
    }
  }
  return problems;
}

function sameName(reader: Type, writer: Type): boolean {
  return reader.name === writer.name || (reader.aliases ?? []).includes(writer.name ?? '');
}

function describe(type: Type): string {
  if (type.typeName.startsWith('union')) return `union [${(type as types.WrappedUnionType).types.map(describe).join(', ')}]`;
  return type.name ? `${type.typeName} ${type.name}` : type.typeName;
}
