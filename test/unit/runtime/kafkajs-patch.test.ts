// The fixes patches/kafkajs+2.2.4.patch makes to kafkajs' producer, held to what they must do. A
// kafkajs upgrade that drops or breaks one fails here, not only as a slower benchmark.
/* eslint-disable @typescript-eslint/no-require-imports -- kafkajs' internals have no typings */
const createEosManager = require('kafkajs/src/producer/eosManager') as (o: object) => EosManager;
const groupMessagesPerPartition = require('kafkajs/src/producer/groupMessagesPerPartition') as (o: object) => Record<string, { value: string }[]>;
const recordV0 = require('kafkajs/src/protocol/recordBatch/record/v0') as (o: object) => { buffer: Buffer; size(): number };
const decodeRecordV0 = require('kafkajs/src/protocol/recordBatch/record/v0/decoder') as (d: unknown, batch: object) => { key: Buffer; value: Buffer; headers: Record<string, Buffer>; offset: string };
const Decoder = require('kafkajs/src/protocol/decoder') as new (b: Buffer) => { readVarIntBytes(): Buffer };
/* eslint-enable @typescript-eslint/no-require-imports */

const quiet = { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined };
const newLogger = () => ({ ...quiet, namespace: () => quiet });

interface EosManager {
  initProducerId(): Promise<void>;
  beginTransaction(): void;
  addPartitionsToTransaction(topicData: { topic: string; partitions: { partition: number }[] }[]): Promise<void>;
  sendOffsets(o: {
    consumerGroupId: string;
    topics: { topic: string; partitions: { partition: number; offset: string }[] }[];
    consumerGroupMetadata?: { generationId: number; memberId: string };
  }): Promise<void>;
  commit(): Promise<void>;
}

/** A cluster whose coordinator lookups are counted, and whose broker can be made to fail once. */
function fakeCluster() {
  const lookups: string[] = [];
  const calls: string[] = [];
  let failNext: { call: string; type: string } | undefined;
  const call = (name: string) => async () => {
    calls.push(name);
    if (failNext?.call === name) {
      const { type } = failNext;
      failNext = undefined;
      throw Object.assign(new Error(type === 'NOT_COORDINATOR' ? 'This is not the correct coordinator' : 'another concurrent operation'), { type, retriable: true });
    }
    return name === 'initProducerId' ? { producerId: 7, producerEpoch: 0 } : {};
  };
  const broker = {
    initProducerId: call('initProducerId'),
    addPartitionsToTxn: call('addPartitionsToTxn'),
    addOffsetsToTxn: call('addOffsetsToTxn'),
    txnOffsetCommit: call('txnOffsetCommit'),
    endTxn: call('endTxn'),
  };
  const cluster = {
    retry: { retries: 0 },
    refreshMetadataIfNecessary: async () => undefined,
    findGroupCoordinator: async ({ groupId, coordinatorType }: { groupId: string; coordinatorType: number }) => {
      lookups.push(`${coordinatorType === 1 ? 'txn' : 'group'}:${groupId}`);
      return broker;
    },
  };
  return { cluster, lookups, calls, failOnce: (call: string, type = 'NOT_COORDINATOR') => (failNext = { call, type }) };
}

async function transaction(eos: EosManager, partition: number): Promise<void> {
  eos.beginTransaction();
  await eos.addPartitionsToTransaction([{ topic: 'out', partitions: [{ partition }] }]);
  await eos.sendOffsets({ consumerGroupId: 'app.proc', topics: [{ topic: 'in', partitions: [{ partition: 0, offset: '10' }] }] });
  await eos.commit();
}

/** A transactional producer's manager that has initialised and committed one transaction. */
async function afterOneTransaction(): Promise<{ f: ReturnType<typeof fakeCluster>; eos: EosManager }> {
  const f = fakeCluster();
  const eos = createEosManager({ logger: newLogger(), cluster: f.cluster, transactional: true, transactionalId: 'app.proc.0' });
  await eos.initProducerId();
  await transaction(eos, 0);
  return { f, eos };
}

describe('kafkajs patch: the transaction and group coordinators are found once', () => {
  it('looks each coordinator up once over many transactions, not before every call', async () => {
    const { f, eos } = await afterOneTransaction();
    for (let i = 1; i < 5; i++) await transaction(eos, i);
    expect(f.lookups).toEqual(['txn:app.proc.0', 'group:app.proc']);
    expect(f.calls.filter((c) => c === 'endTxn')).toHaveLength(5);
  });

  it('looks the transaction coordinator up again after a request to it failed', async () => {
    const { f, eos } = await afterOneTransaction();
    f.failOnce('addPartitionsToTxn');
    eos.beginTransaction();
    await expect(eos.addPartitionsToTransaction([{ topic: 'out', partitions: [{ partition: 1 }] }])).rejects.toThrow('not the correct coordinator');
    expect(f.lookups.filter((l) => l.startsWith('txn:'))).toHaveLength(1);
    // The retry (kafkajs' send retrier) finds the coordinator afresh.
    await eos.addPartitionsToTransaction([{ topic: 'out', partitions: [{ partition: 1 }] }]);
    expect(f.lookups.filter((l) => l.startsWith('txn:'))).toHaveLength(2);
    await eos.commit();
    expect(f.lookups.filter((l) => l.startsWith('txn:'))).toHaveLength(2);
  });

  it('keeps the transaction coordinator after CONCURRENT_TRANSACTIONS: the coordinator itself answered', async () => {
    const { f, eos } = await afterOneTransaction();
    f.failOnce('addPartitionsToTxn', 'CONCURRENT_TRANSACTIONS');
    eos.beginTransaction();
    await expect(eos.addPartitionsToTransaction([{ topic: 'out', partitions: [{ partition: 1 }] }])).rejects.toThrow('concurrent operation');
    await eos.addPartitionsToTransaction([{ topic: 'out', partitions: [{ partition: 1 }] }]);
    await eos.commit();
    expect(f.lookups.filter((l) => l.startsWith('txn:'))).toHaveLength(1);
  });

  it('looks the group coordinator up again after an offset commit to it failed', async () => {
    const { f, eos } = await afterOneTransaction();
    f.failOnce('txnOffsetCommit');
    eos.beginTransaction();
    await eos.addPartitionsToTransaction([{ topic: 'out', partitions: [{ partition: 1 }] }]);
    // NOT_COORDINATOR is a stale-coordinator answer: kafkajs finds the coordinator again and retries.
    await eos.sendOffsets({ consumerGroupId: 'app.proc', topics: [{ topic: 'in', partitions: [{ partition: 0, offset: '11' }] }] }).catch(() => undefined);
    expect(f.lookups.filter((l) => l.startsWith('group:'))).toHaveLength(2);
  });
});

describe('kafkajs patch: a transactional producer\'s retries govern its transaction manager', () => {
  it('keeps initialising the producer id while the previous transaction settles, for the retries it was given', async () => {
    const f = fakeCluster(); // the client's own retries: none
    const eos = createEosManager({ logger: newLogger(), cluster: f.cluster, transactional: true, transactionalId: 'app.proc.0', retry: { retries: 5, initialRetryTime: 1, maxRetryTime: 2 } });
    f.failOnce('initProducerId', 'CONCURRENT_TRANSACTIONS');
    await eos.initProducerId();
    expect(f.calls.filter((c) => c === 'initProducerId')).toHaveLength(2);
  });

  it('sends a transaction\'s offsets again while the last transaction settles, rather than failing the transaction', async () => {
    const f = fakeCluster();
    const eos = createEosManager({ logger: newLogger(), cluster: f.cluster, transactional: true, transactionalId: 'app.proc.0', retry: { retries: 5, initialRetryTime: 1, maxRetryTime: 2 } });
    await eos.initProducerId();
    await transaction(eos, 0);
    // A chunk that wrote no records: its offsets are the transaction's first request.
    f.failOnce('addOffsetsToTxn', 'CONCURRENT_TRANSACTIONS');
    eos.beginTransaction();
    await eos.sendOffsets({ consumerGroupId: 'app.proc', topics: [{ topic: 'in', partitions: [{ partition: 0, offset: '11' }] }] });
    await eos.commit();
    expect(f.calls.filter((c) => c === 'addOffsetsToTxn')).toHaveLength(3);
    expect(f.calls.filter((c) => c === 'endTxn')).toHaveLength(2);
  });

  it('leaves other answers to adding offsets to the caller', async () => {
    const f = fakeCluster();
    const eos = createEosManager({ logger: newLogger(), cluster: f.cluster, transactional: true, transactionalId: 'app.proc.0', retry: { retries: 5, initialRetryTime: 1, maxRetryTime: 2 } });
    await eos.initProducerId();
    f.failOnce('addOffsetsToTxn', 'NOT_COORDINATOR');
    eos.beginTransaction();
    await expect(eos.sendOffsets({ consumerGroupId: 'app.proc', topics: [{ topic: 'in', partitions: [{ partition: 0, offset: '1' }] }] })).rejects.toThrow('not the correct coordinator');
    expect(f.calls.filter((c) => c === 'addOffsetsToTxn')).toHaveLength(1);
  });
});

describe('kafkajs patch: grouping messages by partition', () => {
  it('keeps every message, in order, under its partition', () => {
    const messages = Array.from({ length: 10_000 }, (_, i) => ({ value: String(i), partition: i % 3 }));
    const grouped = groupMessagesPerPartition({
      topic: 't',
      partitionMetadata: [{ partitionId: 0 }, { partitionId: 1 }, { partitionId: 2 }],
      messages,
      partitioner: ({ message }: { message: { partition: number } }) => message.partition,
    });
    expect(Object.keys(grouped).sort()).toEqual(['0', '1', '2']);
    for (const [partition, list] of Object.entries(grouped)) {
      expect(list.map((m) => Number(m.value))).toEqual(messages.filter((m) => m.partition === Number(partition)).map((m) => Number(m.value)));
    }
  });
});

describe('kafkajs patch: a record encoder sized to its record', () => {
  it('encodes key, value and headers that decode back byte for byte', () => {
    const value = Buffer.alloc(3000, 9);
    const record = recordV0({ offsetDelta: 4, timestampDelta: 12, key: Buffer.from('user-1'), value, headers: { h: Buffer.from('v') } });
    expect(record.buffer.length).toBe(record.size());
    const decoded = decodeRecordV0(new Decoder(new Decoder(record.buffer).readVarIntBytes()), { firstOffset: '100', firstTimestamp: '0', magicByte: 2 });
    expect(decoded.offset).toBe('104');
    expect(decoded.key.toString()).toBe('user-1');
    expect(decoded.value.equals(value)).toBe(true);
    expect(decoded.headers.h!.toString()).toBe('v');
  });
});

describe('kafkajs patch: varints written in place, small varlongs without Long', () => {
  /* eslint-disable @typescript-eslint/no-require-imports */
  const Encoder = require('kafkajs/src/protocol/encoder') as {
    new (): { writeVarLong(v: number): unknown; writeVarInt(v: number): unknown; writeUVarInt(v: number): unknown; buffer: Buffer };
    sizeOfVarLong(v: number): number;
  };
  const VarDecoder = require('kafkajs/src/protocol/decoder') as new (b: Buffer) => { readVarLong(): { toString(): string }; readVarInt(): number; readUVarInt(): number };
  /* eslint-enable @typescript-eslint/no-require-imports */
  const edges = [0, 1, -1, 63, 64, -64, -65, 8191, 8192, -8193, 2 ** 31 - 1, -(2 ** 31) + 1, 2 ** 31, -(2 ** 31), 2 ** 40, -(2 ** 40), 2 ** 53 - 1];

  it('decodes back to the value, and sizes a varlong as many bytes as it writes', () => {
    for (const v of edges) {
      const e = new Encoder();
      e.writeVarLong(v);
      expect({ v, back: new VarDecoder(e.buffer).readVarLong().toString(), size: Encoder.sizeOfVarLong(v) }).toEqual({ v, back: String(v), size: e.buffer.length });
      const i = new Encoder();
      i.writeVarInt(v | 0);
      i.writeUVarInt(v >>> 0);
      const d = new VarDecoder(i.buffer);
      expect([d.readVarInt(), d.readUVarInt()]).toEqual([v | 0, v >>> 0]);
    }
  });
});

describe('kafkajs patch: CRC-32C eight bytes a step', () => {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const crc32C = require('kafkajs/src/protocol/recordBatch/crc32C/crc32C') as (b: Buffer) => number;
  /** The bit-at-a-time definition (Castagnoli polynomial, reflected). */
  const reference = (b: Buffer): number => {
    let crc = ~0;
    for (const byte of b) {
      crc ^= byte;
      for (let k = 0; k < 8; k++) crc = crc & 1 ? (crc >>> 1) ^ 0x82f63b78 : crc >>> 1;
    }
    return ~crc >>> 0;
  };

  it('gives the standard check value and agrees with the definition at every length and alignment', () => {
    expect(crc32C(Buffer.from('123456789')).toString(16)).toBe('e3069283');
    const bytes = Buffer.from(Array.from({ length: 300 }, (_, i) => (i * 131 + 7) & 0xff));
    for (let start = 0; start < 8; start++) {
      for (let length = 0; length < 40; length++) expect(crc32C(bytes.subarray(start, start + length))).toBe(reference(bytes.subarray(start, start + length)));
    }
    expect(crc32C(bytes)).toBe(reference(bytes));
  });
});

describe('kafkajs patch: the default partitioner hashes in 32-bit integers', () => {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const murmur2 = require('kafkajs/src/producer/partitioners/default/murmur2') as (key: Buffer | string) => number;
  /** Java's Utils.murmur2, its int arithmetic spelled out in BigInt. */
  const reference = (data: Buffer): number => {
    const int = (x: bigint) => BigInt.asIntN(32, x);
    const ushr = (x: bigint, n: bigint) => BigInt.asUintN(32, x) >> n;
    const m = 0x5bd1e995n;
    let h = int(0x9747b28cn ^ BigInt(data.length));
    const whole = data.length - (data.length % 4);
    for (let i = 0; i < whole; i += 4) {
      let k = int(BigInt(data.readInt32LE(i)) * m);
      k = int(k ^ ushr(k, 24n));
      k = int(k * m);
      h = int(int(h * m) ^ k);
    }
    const tail = data.length % 4;
    if (tail >= 3) h = int(h ^ (BigInt(data[whole + 2]!) << 16n));
    if (tail >= 2) h = int(h ^ (BigInt(data[whole + 1]!) << 8n));
    if (tail >= 1) h = int(int(h ^ BigInt(data[whole]!)) * m);
    h = int(h ^ ushr(h, 13n));
    h = int(h * m);
    return Number(int(h ^ ushr(h, 15n)));
  };

  it("gives Java's answers, so a key lands on the partition a Java producer would choose", () => {
    // The cases of Kafka's UtilsTest.testMurmur2.
    const cases: [string, number][] = [
      ['21', -973932308],
      ['foobar', -790332482],
      ['a-little-bit-long-string', -985981536],
      ['a-little-bit-longer-string', -1486304829],
      ['lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8', -58897971],
      ['abc', 479470107],
    ];
    for (const [key, hash] of cases) expect({ key, hash: murmur2(key) }).toEqual({ key, hash });
    for (let length = 0; length < 70; length++) {
      const bytes = Buffer.from(Array.from({ length }, (_, i) => (i * 89 + length * 37 + 250) & 0xff));
      expect({ length, hash: murmur2(bytes) }).toEqual({ length, hash: reference(bytes) });
    }
  });
});

describe('kafkajs patch: a produce request finds its batch timestamps in one pass', () => {
  /* eslint-disable @typescript-eslint/no-require-imports */
  const produceV3 = require('kafkajs/src/protocol/requests/produce/v3/request') as (o: object) => { encode(): Promise<{ buffer: Buffer }> };
  /* eslint-enable @typescript-eslint/no-require-imports */

  /** firstTimestamp and maxTimestamp of the one record batch in a v3 produce request. */
  async function batchTimestamps(timestamps: (string | undefined)[]): Promise<[bigint, bigint]> {
    const messages = timestamps.map((timestamp, i) => ({ key: Buffer.from(`k${i}`), value: Buffer.from('v'), timestamp, headers: {} }));
    const { buffer } = await produceV3({ acks: -1, timeout: 1000, topicData: [{ topic: 't', partitions: [{ partition: 0, firstSequence: 0, messages }] }] }).encode();
    // transactionalId (null: int16 -1), acks, timeout, 1 topic 't', 1 partition, batch size; then the
    // batch: baseOffset 8, length 4, leader epoch 4, magic 1, crc 4, attributes 2, lastOffsetDelta 4.
    const batch = 2 + 2 + 4 + 4 + (2 + 1) + 4 + 4 + 4;
    const first = batch + 8 + 4 + 4 + 1 + 4 + 2 + 4;
    return [buffer.readBigInt64BE(first), buffer.readBigInt64BE(first + 8)];
  }

  it('uses the least and the greatest timestamp, whatever the order of the messages', async () => {
    expect(await batchTimestamps(['1700000000300', '1700000000100', undefined, '1700000000200'])).toEqual([1700000000100n, 1700000000300n]);
    const [first, max] = await batchTimestamps([undefined]);
    expect(first).toBe(max);
    expect(Number(first)).toBeGreaterThan(Date.now() - 60_000);
  });
});

describe('kafkajs patch: an uncompressed produce request is encoded once, into one buffer', () => {
  /* eslint-disable @typescript-eslint/no-require-imports */
  const produceV3 = require('kafkajs/src/protocol/requests/produce/v3/request') as (o: object) => ProduceRequest;
  const createRequest = require('kafkajs/src/protocol/request') as (o: { correlationId: number; clientId: string; request: ProduceRequest }) => Promise<{ buffer: Buffer }>;
  const { Types: Compression } = require('kafkajs/src/protocol/message/compression') as { Types: { None: number; GZIP: number } };
  const Long = require('kafkajs/src/utils/long') as { fromNumber(n: number): unknown };
  /* eslint-enable @typescript-eslint/no-require-imports */
  interface ProduceRequest {
    apiKey: number;
    apiVersion: number;
    encode(): Promise<unknown>;
    encodeInto?: (room: number) => unknown;
  }

  type Message = { key?: Buffer | string | null; value: Buffer | string | null; timestamp?: string; headers?: Record<string, Buffer | string | (Buffer | string)[]> };
  /** The request as sent, and as stock kafkajs encodes it (each level into its own buffer, copied up). */
  async function bothWays(o: object): Promise<{ once: Buffer; stock: Buffer }> {
    const request = produceV3(o);
    expect(request.encodeInto).toBeDefined();
    const once = (await createRequest({ correlationId: 42, clientId: 'prm-test', request })).buffer;
    const stock = (await createRequest({ correlationId: 42, clientId: 'prm-test', request: { ...request, encodeInto: undefined } })).buffer;
    return { once, stock };
  }

  const stamp = (ms: number) => String(1_700_000_000_000 + ms);
  const big = Buffer.alloc(70_000, 7); // a value whose length needs a three-byte varint
  const partition = (n: number, firstSequence: number | undefined, messages: Message[]) => ({ partition: n, firstSequence, messages });

  it('gives the same bytes as the stock encoding: transactional, several topics and partitions, every kind of key, value and header', async () => {
    const { once, stock } = await bothWays({
      acks: -1,
      timeout: 30_000,
      transactionalId: 'prm.app.scheduler.é-instance',
      producerId: Long.fromNumber(123_456_789_012),
      producerEpoch: 3,
      compression: Compression.None,
      topicData: [
        {
          topic: 'prm.dispatches',
          partitions: [
            partition(0, 17, [
              { key: Buffer.from('pool-a'), value: Buffer.from('v1'), timestamp: stamp(5), headers: {} },
              { key: 'ünïcode key', value: 'string value', timestamp: stamp(1), headers: { trace: 'abc', bin: Buffer.from([0, 1, 2]) } },
              { key: null, value: null, timestamp: stamp(900_000), headers: { many: ['x', Buffer.from('y')] } },
            ]),
            partition(5, 0, [{ key: Buffer.from('k'), value: big, timestamp: stamp(3) }]),
          ],
        },
        { topic: 'app.scheduler.running.changelog', partitions: [partition(2, undefined, Array.from({ length: 300 }, (_, i) => ({ key: Buffer.from(`req-${i}`), value: Buffer.from(JSON.stringify({ i })), timestamp: stamp(i * 37) })))] },
      ],
    });
    expect(once.length).toBeGreaterThan(big.length);
    expect(once.equals(stock)).toBe(true);
  });

  it('gives the same bytes for an idempotent, non-transactional request whose messages carry no timestamps', async () => {
    const now = jest.spyOn(Date, 'now').mockReturnValue(1_700_000_123_456);
    try {
      const { once, stock } = await bothWays({
        acks: 1,
        timeout: 1000,
        topicData: [{ topic: 't', partitions: [partition(1, 9, [{ key: 'a', value: 'b' }, { value: Buffer.from('no key') }])] }],
      });
      expect(once.equals(stock)).toBe(true);
    } finally {
      now.mockRestore();
    }
  });

  it('leaves a compressed request to the stock encoding', () => {
    expect(produceV3({ acks: -1, timeout: 1000, compression: Compression.GZIP, topicData: [] }).encodeInto).toBeUndefined();
  });
});

describe('kafkajs patch: the protocol versions exactly-once v2 needs (KIP-447)', () => {
  /* eslint-disable @typescript-eslint/no-require-imports */
  type Request = { apiVersion: number; encode(): Promise<{ buffer: Buffer }> };
  type Response = { decode(b: Buffer): Promise<unknown>; parse(d: unknown): Promise<unknown> };
  type Protocol = { versions: string[]; protocol(o: { version: number }): (args: object) => { request: Request; response: Response } };
  const { requests, lookup } = require('kafkajs/src/protocol/requests') as { requests: Record<string, Protocol>; lookup: (v: object) => (apiKey: number, p: Protocol) => (args: object) => { request: Request } };
  const apiKeys = require('kafkajs/src/protocol/requests/apiKeys') as Record<string, number>;
  const KafkaDecoder = require('kafkajs/src/protocol/decoder') as new (b: Buffer) => {
    readInt16(): number;
    readInt32(): number;
    readInt64(): { toString(): string };
    readBoolean(): boolean;
    readUVarInt(): number;
    readUVarIntString(): string | null;
  };
  const KafkaEncoder = require('kafkajs/src/protocol/encoder') as new () => {
    writeInt16(v: number): InstanceType<typeof KafkaEncoder>;
    writeInt32(v: number): InstanceType<typeof KafkaEncoder>;
    writeInt64(v: string): InstanceType<typeof KafkaEncoder>;
    writeUVarInt(v: number): InstanceType<typeof KafkaEncoder>;
    writeUVarIntString(v: string | null): InstanceType<typeof KafkaEncoder>;
    buffer: Buffer;
  };
  /* eslint-enable @typescript-eslint/no-require-imports */

  it('TxnOffsetCommit v3 carries the member and its generation, in the flexible encoding', async () => {
    const { request } = requests.TxnOffsetCommit!.protocol({ version: 3 })({
      transactionalId: 'app.proc.i1',
      groupId: 'app.proc',
      producerId: 42,
      producerEpoch: 3,
      generationId: 17,
      memberId: 'member-a',
      topics: [{ topic: 'in', partitions: [{ partition: 5, offset: '1234', metadata: 'st' }] }],
    });
    expect(request.apiVersion).toBe(3);
    const d = new KafkaDecoder((await request.encode()).buffer);
    expect(d.readUVarInt()).toBe(0); // request header v2: no tagged fields
    expect([d.readUVarIntString(), d.readUVarIntString(), d.readInt64().toString(), d.readInt16()]).toEqual(['app.proc.i1', 'app.proc', '42', 3]);
    expect([d.readInt32(), d.readUVarIntString(), d.readUVarIntString()]).toEqual([17, 'member-a', null]);
    expect([d.readUVarInt() - 1, d.readUVarIntString(), d.readUVarInt() - 1]).toEqual([1, 'in', 1]);
    expect([d.readInt32(), d.readInt64().toString(), d.readInt32(), d.readUVarIntString(), d.readUVarInt()]).toEqual([5, '1234', -1, 'st', 0]);
    expect([d.readUVarInt(), d.readUVarInt()]).toEqual([0, 0]); // topic's and request's tagged fields
  });

  it('TxnOffsetCommit v3 answers a replaced member with its error', async () => {
    const { response } = requests.TxnOffsetCommit!.protocol({ version: 3 })({ topics: [] });
    const body = new KafkaEncoder().writeUVarInt(0).writeInt32(0).writeUVarInt(2).writeUVarIntString('in').writeUVarInt(2).writeInt32(5).writeInt16(25).writeUVarInt(0).writeUVarInt(0).writeUVarInt(0);
    const decoded = await response.decode(body.buffer);
    expect(decoded).toEqual({ throttleTime: 0, clientSideThrottleTime: 0, topics: [{ topic: 'in', partitions: [{ partition: 5, errorCode: 25 }] }] });
    await expect(response.parse(decoded)).rejects.toMatchObject({ type: 'UNKNOWN_MEMBER_ID' });
  });

  it('OffsetFetch v7 asks for stable offsets and reports an open transaction as UNSTABLE_OFFSET_COMMIT (retriable)', async () => {
    const { request, response } = requests.OffsetFetch!.protocol({ version: 7 })({ groupId: 'app.proc', topics: [{ topic: 'in', partitions: [{ partition: 0 }, { partition: 3 }] }], requireStable: true });
    const d = new KafkaDecoder((await request.encode()).buffer);
    expect([d.readUVarInt(), d.readUVarIntString(), d.readUVarInt() - 1, d.readUVarIntString(), d.readUVarInt() - 1, d.readInt32(), d.readInt32(), d.readUVarInt()]).toEqual([0, 'app.proc', 1, 'in', 2, 0, 3, 0]);
    expect(d.readBoolean()).toBe(true);

    const partition = (p: number, offset: string, metadata: string | null, errorCode: number) => (e: InstanceType<typeof KafkaEncoder>) => e.writeInt32(p).writeInt64(offset).writeInt32(-1).writeUVarIntString(metadata).writeInt16(errorCode).writeUVarInt(0);
    const body = (errorCode: number) => {
      const e = new KafkaEncoder().writeUVarInt(0).writeInt32(0).writeUVarInt(2).writeUVarIntString('in').writeUVarInt(3);
      partition(0, '100', 'st', 0)(e);
      partition(3, '-1', null, errorCode)(e);
      return e.writeUVarInt(0).writeInt16(0).writeUVarInt(0).buffer;
    };
    const stable = await response.decode(body(0));
    expect(await response.parse(stable)).toMatchObject({
      responses: [{ topic: 'in', partitions: [{ partition: 0, offset: '100', metadata: 'st', errorCode: 0 }, { partition: 3, offset: '-1', metadata: null, errorCode: 0 }] }],
      errorCode: 0,
    });
    await expect(response.parse(await response.decode(body(88)))).rejects.toMatchObject({ type: 'UNSTABLE_OFFSET_COMMIT', retriable: true });
  });

  it("OffsetFetch v7 without topics asks for all of the group's (null, as the older versions send an empty list)", async () => {
    const { request } = requests.OffsetFetch!.protocol({ version: 7 })({ groupId: 'app.proc', topics: [] });
    const d = new KafkaDecoder((await request.encode()).buffer);
    expect([d.readUVarInt(), d.readUVarIntString(), d.readUVarInt(), d.readBoolean(), d.readUVarInt()]).toEqual([0, 'app.proc', 0, false, 0]);
  });

  it('uses the newest version both sides implement, even where ours have gaps', () => {
    const version = (maxVersion: number) => lookup({ [apiKeys.TxnOffsetCommit!]: { minVersion: 0, maxVersion } })(apiKeys.TxnOffsetCommit!, requests.TxnOffsetCommit!);
    const apiVersion = (maxVersion: number) => version(maxVersion)({ topics: [] }).request.apiVersion;
    expect([apiVersion(1), apiVersion(2), apiVersion(3), apiVersion(5)]).toEqual([1, 1, 3, 3]);
  });

  it('a transaction sends its offsets with the group metadata it is given', async () => {
    const f = fakeCluster();
    const sent: object[] = [];
    const eos = createEosManager({ logger: newLogger(), cluster: f.cluster, transactional: true, transactionalId: 'app.proc.i1' });
    const coordinator = (await f.cluster.findGroupCoordinator({ groupId: 'app.proc', coordinatorType: 0 })) as unknown as { txnOffsetCommit: (request: object) => Promise<void> };
    coordinator.txnOffsetCommit = async (request) => void sent.push(request);
    await eos.initProducerId();
    eos.beginTransaction();
    await eos.sendOffsets({ consumerGroupId: 'app.proc', topics: [{ topic: 'in', partitions: [{ partition: 0, offset: '10' }] }], consumerGroupMetadata: { generationId: 4, memberId: 'm' } });
    expect(sent).toEqual([expect.objectContaining({ groupId: 'app.proc', generationId: 4, memberId: 'm', groupInstanceId: undefined })]);
  });
});

describe('kafkajs patch: a broker too old for KIP-447 is refused, not quietly downgraded', () => {
  /* eslint-disable @typescript-eslint/no-require-imports */
  const Broker = require('kafkajs/src/broker') as new (o: object) => {
    lookupRequest: unknown;
    txnOffsetCommit(o: object): Promise<unknown>;
    offsetFetch(o: object): Promise<unknown>;
  };
  const apiKeys = require('kafkajs/src/protocol/requests/apiKeys') as Record<string, number>;
  /* eslint-enable @typescript-eslint/no-require-imports */
  const silent = { namespace: () => silent, info: () => undefined, debug: () => undefined, warn: () => undefined, error: () => undefined };
  /** A broker answering `txnOffsetCommit` and `offsetFetch` versions up to the ones given, whose requests, once built, throw 'sent'. */
  const brokerOf = (txnOffsetCommit: number, offsetFetch: number) => {
    const broker = new Broker({
      connectionPool: { connectionTimeout: 1000, host: 'kafka', port: 9092 },
      logger: silent,
      nodeId: 1,
      versions: { [apiKeys.TxnOffsetCommit!]: { minVersion: 0, maxVersion: txnOffsetCommit }, [apiKeys.OffsetFetch!]: { minVersion: 0, maxVersion: offsetFetch } },
    });
    broker.lookupRequest = () => () => {
      throw new Error('sent');
    };
    return broker;
  };
  const commit = { transactionalId: 't', groupId: 'g', producerId: 1, producerEpoch: 0, topics: [] };

  it('refuses transactional offsets with a member and generation below TxnOffsetCommit v3 (Kafka 2.5)', async () => {
    await expect(brokerOf(2, 7).txnOffsetCommit({ ...commit, generationId: 4, memberId: 'm' })).rejects.toThrow(/needs TxnOffsetCommit v3 \(Kafka 2\.5 or newer\); the broker 1 answers at most v2/);
    await expect(brokerOf(3, 7).txnOffsetCommit({ ...commit, generationId: 4, memberId: 'm' })).rejects.toThrow('sent');
    // Without a member (kafkajs' own callers), any version will do.
    await expect(brokerOf(1, 1).txnOffsetCommit(commit)).rejects.toThrow('sent');
  });

  it('refuses a stable offset fetch below OffsetFetch v7 (Kafka 2.5)', async () => {
    await expect(brokerOf(3, 6).offsetFetch({ groupId: 'g', topics: [], requireStable: true })).rejects.toThrow(/needs OffsetFetch v7 \(Kafka 2\.5 or newer\); the broker 1 answers at most v6/);
    await expect(brokerOf(3, 7).offsetFetch({ groupId: 'g', topics: [], requireStable: true })).rejects.toThrow('sent');
    await expect(brokerOf(3, 1).offsetFetch({ groupId: 'g', topics: [] })).rejects.toThrow('sent');
  });
});
