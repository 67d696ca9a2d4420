import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/** The subset of Avro schema JSON that PRM's schemas use. */
export type AvroSchemaJson = string | AvroSchemaJson[] | AvroComplexSchema;

export interface AvroComplexSchema {
  type: string | AvroSchemaJson[] | AvroComplexSchema;
  name?: string;
  namespace?: string;
  doc?: string;
  fields?: AvroField[];
  symbols?: string[];
  items?: AvroSchemaJson;
  values?: AvroSchemaJson;
  logicalType?: string;
}

export interface AvroField {
  name: string;
  type: AvroSchemaJson;
  doc?: string;
  default?: unknown;
}

/** One event's schema as written in `schemas/<file>.avsc`: a named, namespaced record. */
export interface EventSchemaFile {
  file: string;
  /** The record's simple name, which is also the event name. */
  name: string;
  schema: AvroComplexSchema;
}

export const schemasDir = __dirname;

/** Reads every `.avsc` next to this module, sorted by file name. */
export function loadSchemaFiles(dir: string = schemasDir): EventSchemaFile[] {
  return readdirSync(dir)
    .filter((f) => f.endsWith('.avsc'))
    .sort()
    .map((file) => {
      const schema = JSON.parse(readFileSync(join(dir, file), 'utf8')) as AvroComplexSchema;
      if (schema.type !== 'record' || !schema.name || !schema.namespace) {
        throw new Error(`${file}: an event schema must be a record with a name and a namespace`);
      }
      return { file, name: schema.name, schema };
    });
}
