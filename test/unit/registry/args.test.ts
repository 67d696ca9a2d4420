import { ArgsError, parseRegistryArgs } from '../../../stack/registry/args';

describe('parseRegistryArgs', () => {
  it('reads the flags the stack passes, with defaults', () => {
    expect(parseRegistryArgs(['--port', '8081', '--kafka-brokers', '127.0.0.1:9092, 127.0.0.1:9094'])).toEqual({
      port: 8081,
      host: '127.0.0.1',
      kafkaBrokers: ['127.0.0.1:9092', '127.0.0.1:9094'],
      topic: '_prm_schemas',
    });
    expect(parseRegistryArgs(['--port', '0', '--kafka-brokers', 'k:1', '--topic', 'x.y', '--host', '0.0.0.0'])).toMatchObject({ port: 0, topic: 'x.y', host: '0.0.0.0' });
  });

  it.each([
    [['--kafka-brokers', 'k:1'], /--port must be a TCP port/],
    [['--port', '70000', '--kafka-brokers', 'k:1'], /--port must be a TCP port .* got '70000'/],
    [['--port', '1'], /--kafka-brokers is required/],
    [['--port', '1', '--kafka-brokers', 'localhost'], /must be host:port, got 'localhost'/],
    [['--port', '1', '--kafka-brokers', 'k:1', '--topic', 'a b'], /not a valid Kafka topic name/],
    [['--port', '1', '--kafka-brokers', 'k:1', '--verbose'], /Unknown option '--verbose'/],
  ])('rejects %j', (argv, message) => {
    expect(() => parseRegistryArgs(argv)).toThrow(ArgsError);
    expect(() => parseRegistryArgs(argv)).toThrow(message);
  });
});
