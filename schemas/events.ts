import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { avroType, type AvroType } from './avro';
import { schemasDir, type AvroComplexSchema } from './schema-files';
import { eventSchemaFiles, type EventName } from './types.generated';

export const eventNames = Object.keys(eventSchemaFiles).sort() as EventName[];

const schemaCache = new Map<EventName, AvroComplexSchema>();
const typeCache = new Map<EventName, AvroType>();

/** The schema of an event as written in its .avsc (what is registered). */
export function eventSchema(name: EventName): AvroComplexSchema {
  let schema = schemaCache.get(name);
  if (!schema) {
    schema = JSON.parse(readFileSync(join(schemasDir, eventSchemaFiles[name]), 'utf8')) as AvroComplexSchema;
    schemaCache.set(name, schema);
  }
  return schema;
}

/** The avsc type of an event, built once with PRM's logical types and unwrapped unions. */
export function eventType(name: EventName): AvroType {
  let type = typeCache.get(name);
  if (!type) {
    type = avroType(eventSchema(name));
    typeCache.set(name, type);
  }
  return type;
}
