import { Type } from 'avsc';
import { invalidSchema } from './errors';

const primitives = new Set(['null', 'boolean', 'int', 'long', 'float', 'double', 'bytes', 'string']);

/** A schema the registry accepted: its canonical text (what is stored, compared and served) and avsc type. */
export interface ParsedSchema {
  canonical: string;
  type: Type;
}

/**
 * Parses and validates an Avro schema, and gives it one canonical text so that the same schema
 * written with other whitespace, key order or `{"type": "int"}` for `"int"` is recognised as the
 * same schema. Unlike Avro's Parsing Canonical Form it keeps docs, defaults, aliases and logical
 * types: those change what a reader sees, so two schemas differing in them are different versions.
 */
export function parseSchema(text: unknown): ParsedSchema {
  if (typeof text !== 'string' || text.trim() === '') throw invalidSchema('the request has no "schema" string');
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw invalidSchema(`not JSON: ${(err as Error).message}`);
  }
  let type: Type;
  try {
    type = Type.forSchema(json as Parameters<typeof Type.forSchema>[0]);
  } catch (err) {
    throw invalidSchema((err as Error).message);
  }
  return { canonical: JSON.stringify(normalise(json)), type };
}

/** A schema text already in the store: canonical by construction, parsed again for checks. */
export function typeOf(canonical: string): Type {
  return Type.forSchema(JSON.parse(canonical) as Parameters<typeof Type.forSchema>[0]);
}

function normalise(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(normalise);
  if (node === null || typeof node !== 'object') return node;
  const entries = Object.entries(node as Record<string, unknown>);
  if (entries.length === 1 && entries[0]?.[0] === 'type' && typeof entries[0][1] === 'string' && primitives.has(entries[0][1])) {
    return entries[0][1];
  }
  const sorted: Record<string, unknown> = {};
  for (const [key, value] of entries.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    // Defaults are data, not schema: a record default's keys are field names and stay as written.
    sorted[key] = key === 'default' ? value : normalise(value);
  }
  return sorted;
}
