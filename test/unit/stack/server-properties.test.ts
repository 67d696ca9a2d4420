import { serverProperties } from '../../../stack/kafka/server-properties';

function parse(text: string): Map<string, string> {
  const entries = text
    .split('\n')
    .filter((l) => l && !l.startsWith('#'))
    .map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)] as [string, string]);
  return new Map(entries);
}

describe('serverProperties', () => {
  const props = parse(serverProperties({ port: 19092, controllerPort: 19093, logDir: '/data/kafka' }));

  it('makes one node both broker and KRaft controller on loopback', () => {
    expect(props.get('process.roles')).toBe('broker,controller');
    expect(props.get('controller.quorum.voters')).toBe(`${props.get('node.id')}@127.0.0.1:19093`);
    expect(props.get('listeners')).toBe('PLAINTEXT://127.0.0.1:19092,CONTROLLER://127.0.0.1:19093');
    expect(props.get('advertised.listeners')).toBe('PLAINTEXT://127.0.0.1:19092');
    expect(props.get('log.dirs')).toBe('/data/kafka');
  });

  it('lets groups and transactions work on a single node', () => {
    for (const key of ['offsets.topic.replication.factor', 'transaction.state.log.replication.factor', 'transaction.state.log.min.isr']) {
      expect([key, props.get(key)]).toEqual([key, '1']);
    }
    expect(props.get('group.initial.rebalance.delay.ms')).toBe('0');
  });
});
