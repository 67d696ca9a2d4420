import { parseSchema } from '../../../stack/registry/canonical';
import { RegistryError } from '../../../stack/registry/errors';

describe('parseSchema', () => {
  const record = { type: 'record', name: 'Event', namespace: 'prm', fields: [{ name: 'id', type: 'string' }, { name: 'n', type: 'int', default: 0 }] };

  it('gives the same canonical text for the same schema written differently', () => {
    const spaced = JSON.stringify(record, null, 2);
    const reordered = JSON.stringify({
      namespace: 'prm',
      fields: [{ type: { type: 'string' }, name: 'id' }, { default: 0, name: 'n', type: 'int' }],
      name: 'Event',
      type: 'record',
    });
    expect(parseSchema(spaced).canonical).toBe(parseSchema(JSON.stringify(record)).canonical);
    expect(parseSchema(reordered).canonical).toBe(parseSchema(JSON.stringify(record)).canonical);
  });

  it('keeps docs, defaults and logical types, which change what readers see', () => {
    const withDoc = { ...record, doc: 'an event' };
    expect(parseSchema(JSON.stringify(withDoc)).canonical).not.toBe(parseSchema(JSON.stringify(record)).canonical);
    const ts = parseSchema(JSON.stringify({ type: 'long', logicalType: 'timestamp-millis' })).canonical;
    expect(JSON.parse(ts)).toEqual({ logicalType: 'timestamp-millis', type: 'long' });
  });

  it('leaves default values as written even where they look like schemas', () => {
    const schema = { type: 'record', name: 'M', fields: [{ name: 'm', type: { type: 'map', values: 'string' }, default: { type: 'int' } }] };
    expect(JSON.parse(parseSchema(JSON.stringify(schema)).canonical).fields[0].default).toEqual({ type: 'int' });
  });

  it.each([
    ['not JSON', '{"type": "record"', /not JSON/],
    ['an unknown type', JSON.stringify({ type: 'record', name: 'R', fields: [{ name: 'a', type: 'strin' }] }), /undefined type name: strin/],
    ['a default of the wrong type', JSON.stringify({ type: 'record', name: 'R', fields: [{ name: 'a', type: 'int', default: 'x' }] }), /incompatible field default/],
    ['an empty string', '', /no "schema" string/],
  ])('rejects %s with error code 42201', (_what, text, message) => {
    let caught: unknown;
    try {
      parseSchema(text);
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(RegistryError);
    expect(caught).toMatchObject({ status: 422, errorCode: 42201, message: expect.stringMatching(message) });
  });
});
