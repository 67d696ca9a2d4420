import type * as avro from 'avsc';

/**
 * Checks an Avro body's array and map block counts against the bytes that follow them, before
 * avsc decodes it. avsc sizes an array from the count the record declares (`new Array(n)`) and
 * then reads n items, noticing only after the loop that the body ran out: a 41-byte record
 * declaring 2^31 items takes minutes and more memory than the heap has, and the process dies
 * instead of dead-lettering the record. Every item of a block takes at least `minBytes` of its
 * type, so a count larger than the bytes left allow is a lie; items that take no bytes (null,
 * a record of nulls) are bounded by MAX_EMPTY_ITEMS instead.
 *
 * Returns undefined for a schema with no array or map, which needs no check (most topics).
 */
export function blockGuard(writer: avro.Type): ((body: Buffer) => void) | undefined {
  if (!hasBlocks(writer, new Set())) return undefined;
  const walk = compile(writer, new Map());
  return (body) => void walk({ buf: body, pos: 0 });
}

/** A block count no item of zero bytes may exceed: far above any PRM array, far below what exhausts a heap. */
export const MAX_EMPTY_ITEMS = 100_000;

/**
 * A block declares more items than the record can hold. `endsEarly`: more than its bytes left
 * allow (a truncated record reads the same as a lying one); otherwise over MAX_EMPTY_ITEMS
 * items that take no bytes.
 */
export class OversizedBlockError extends Error {
  readonly endsEarly: boolean;

  constructor(count: number, bytesLeft: number, itemMinBytes: number) {
    const endsEarly = itemMinBytes > 0;
    super(endsEarly
      ? `an array or map declares ${count} items of at least ${itemMinBytes} byte(s) with ${bytesLeft} bytes left`
      : `an array or map declares ${count} items of no bytes, over the ${MAX_EMPTY_ITEMS} allowed`);
    this.name = 'OversizedBlockError';
    this.endsEarly = endsEarly;
  }
}

interface Cursor {
  buf: Buffer;
  pos: number;
}

/** Advances the cursor past one value; a cursor past the end stops the walk (avsc reports the truncation). */
type Walk = (c: Cursor) => void;

/** The avsc type classes' fields this reads (avsc's typings leave them out). */
interface TypeShape {
  typeName: string;
  fields?: { type: avro.Type }[];
  itemsType?: avro.Type;
  valuesType?: avro.Type;
  types?: avro.Type[];
  size?: number;
  underlyingType?: avro.Type;
}

const shape = (type: avro.Type) => type as unknown as TypeShape;

function hasBlocks(type: avro.Type, seen: Set<avro.Type>): boolean {
  if (seen.has(type)) return false;
  seen.add(type);
  const t = shape(type);
  if (t.typeName === 'array' || t.typeName === 'map') return true;
  const children = [...(t.fields?.map((f) => f.type) ?? []), ...(t.types ?? []), ...(t.underlyingType ? [t.underlyingType] : [])];
  return children.some((child) => hasBlocks(child, seen));
}

/** The fewest bytes a value of the type can take (a recursive reference counts as 0: a union ends it). */
function minBytes(type: avro.Type, seen: Set<avro.Type>): number {
  const t = shape(type);
  if (t.underlyingType) return minBytes(t.underlyingType, seen);
  switch (t.typeName) {
    case 'null':
      return 0;
    case 'float':
      return 4;
    case 'double':
      return 8;
    case 'fixed':
      return t.size ?? 0;
    case 'record':
    case 'error': {
      if (seen.has(type)) return 0;
      seen.add(type);
      const sum = (t.fields ?? []).reduce((total, f) => total + minBytes(f.type, seen), 0);
      seen.delete(type);
      return sum;
    }
    default:
      // boolean, int, long, enum, string, bytes, a union's branch index, an array's or map's end
      return 1;
  }
}

function readLong(c: Cursor): number {
  let n = 0;
  let scale = 1;
  for (;;) {
    if (c.pos >= c.buf.length) {
      c.pos = c.buf.length + 1;
      return 0;
    }
    const b = c.buf[c.pos++]!;
    n += (b & 0x7f) * scale;
    if ((b & 0x80) === 0) break;
    scale *= 128;
    if (scale > 2 ** 63) {
      c.pos = c.buf.length + 1; // not a varint: avsc reports it
      return 0;
    }
  }
  return n % 2 === 0 ? n / 2 : -(n + 1) / 2;
}

const ended = (c: Cursor) => c.pos > c.buf.length;

/** A string or bytes: a length, then that many bytes. */
function walkLengthPrefixed(c: Cursor): void {
  const length = readLong(c);
  c.pos = length < 0 ? c.buf.length + 1 : c.pos + length;
}

function compile(type: avro.Type, compiled: Map<avro.Type, Walk>): Walk {
  const known = compiled.get(type);
  if (known) return known;
  // Recursive types: the map holds a forwarder until the real walk exists.
  let walk: Walk = () => undefined;
  compiled.set(type, (c) => walk(c));
  walk = build(type, compiled);
  compiled.set(type, walk);
  return walk;
}

function build(type: avro.Type, compiled: Map<avro.Type, Walk>): Walk {
  const t = shape(type);
  if (t.underlyingType) return compile(t.underlyingType, compiled);
  switch (t.typeName) {
    case 'null':
      return () => undefined;
    case 'boolean':
      return (c) => void (c.pos += 1);
    case 'int':
    case 'long':
    case 'enum':
      return (c) => void readLong(c);
    case 'float':
      return (c) => void (c.pos += 4);
    case 'double':
      return (c) => void (c.pos += 8);
    case 'fixed': {
      const size = t.size ?? 0;
      return (c) => void (c.pos += size);
    }
    case 'string':
    case 'bytes':
      return walkLengthPrefixed;
    case 'record':
    case 'error': {
      const fields = (t.fields ?? []).map((f) => compile(f.type, compiled));
      return (c) => {
        for (const field of fields) {
          if (ended(c)) return;
          field(c);
        }
      };
    }
    case 'union:unwrapped':
    case 'union:wrapped': {
      const branches = (t.types ?? []).map((b) => compile(b, compiled));
      return (c) => {
        const branch = branches[readLong(c)];
        if (!branch || ended(c)) {
          c.pos = c.buf.length + 1;
          return;
        }
        branch(c);
      };
    }
    case 'array':
      return blocks(compile(t.itemsType!, compiled), minBytes(t.itemsType!, new Set()));
    case 'map': {
      const value = compile(t.valuesType!, compiled);
      return blocks((c) => {
        walkLengthPrefixed(c); // the key
        if (!ended(c)) value(c);
      }, 1 + minBytes(t.valuesType!, new Set()));
    }
    default:
      throw new Error(`blockGuard: no walk for Avro type ${t.typeName}`);
  }
}

/** Array or map blocks: counts until a 0; a negative count is followed by the block's size in bytes. */
function blocks(item: Walk, itemMinBytes: number): Walk {
  return (c) => {
    for (;;) {
      let count = readLong(c);
      if (count === 0 || ended(c)) return;
      if (count < 0) {
        count = -count;
        readLong(c);
        if (ended(c)) return;
      }
      const left = c.buf.length - c.pos;
      if (itemMinBytes === 0 ? count > MAX_EMPTY_ITEMS : count * itemMinBytes > left) throw new OversizedBlockError(count, left, itemMinBytes);
      for (let i = 0; i < count; i++) {
        if (ended(c)) return;
        item(c);
      }
    }
  };
}
