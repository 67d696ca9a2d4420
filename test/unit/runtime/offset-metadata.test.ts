import { decodeOffsetMetadata, encodeOffsetMetadata, latestStreamTimes } from '../../../streams/runtime/kafka/offset-metadata';

describe('offset commit metadata', () => {
  it('carries each processor\'s stream time through an offset commit', () => {
    expect(decodeOffsetMetadata(encodeOffsetMetadata({ predictor: 1_732_000_000_000, scheduler: 1_731_999_999_000 }))).toEqual({
      predictor: 1_732_000_000_000,
      scheduler: 1_731_999_999_000,
    });
  });

  it('reads nothing from metadata it did not write: none, another client\'s, a later version, garbage', () => {
    for (const m of [null, undefined, '', 'consumer-17', '{"v":2,"streamTime":{"a":1}}', '{"v":1,"streamTime":{"a":"soon","b":null}}', '{not json']) {
      expect(decodeOffsetMetadata(m)).toEqual({});
    }
  });

  it('takes the latest stream time per processor over the offsets of a task\'s inputs', () => {
    expect(latestStreamTimes([{ a: 10, b: 7 }, {}, { a: 4, c: 1 }])).toEqual({ a: 10, b: 7, c: 1 });
  });
});
