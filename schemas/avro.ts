import * as avro from 'avsc';

/**
 * `timestamp-millis` as a JS Date. avsc only applies a logical type when a class is registered
 * for it; without one, times decode as bare numbers and a Date fails to encode.
 */
class TimestampMillisType extends avro.types.LogicalType {
  protected override _fromValue(val: number): Date {
    return new Date(val);
  }

  // Only Dates are accepted (not numbers) so an unwrapped ["null", timestamp] union can tell
  // its branches apart, and an Invalid Date fails the underlying long check.
  protected override _toValue(val: unknown): number | undefined {
    return val instanceof Date ? val.getTime() : undefined;
  }

  protected override _resolve(writer: avro.Type): ((val: unknown) => Date) | undefined {
    if (avro.Type.isType(writer, 'logical:timestamp-millis')) return (val) => val as Date;
    if (avro.Type.isType(writer, 'long', 'int')) return (val) => this._fromValue(val as number);
    return undefined;
  }
}

/**
 * The avsc options every PRM type is built with, locally and from the registry. Unions are
 * never wrapped (`{double: 1.25}` is not needed; a union avsc cannot tell apart by value is
 * rejected when the type is built, so ambiguous unions never reach a topic).
 */
export const avroOptions = {
  logicalTypes: { 'timestamp-millis': TimestampMillisType },
  wrapUnions: 'never' as const,
};

export type AvroType = avro.Type;

/** Builds an avsc type from a schema (parsed JSON or JSON text) with PRM's options. */
export function avroType(schema: object | string): avro.Type {
  const parsed = typeof schema === 'string' ? (JSON.parse(schema) as unknown) : schema;
  return avro.Type.forSchema(parsed as avro.Schema, { ...avroOptions });
}
