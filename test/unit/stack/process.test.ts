import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { causeFromLog } from '../../../stack/process';

function log(text: string): string {
  const file = join(mkdtempSync(join(tmpdir(), 'prm-log-')), 'service.log');
  writeFileSync(file, text);
  return file;
}

describe('causeFromLog', () => {
  it('names the root cause of a Java failure, not its last stack frame', () => {
    const file = log(
      [
        '[2026-11-28 05:57:32,731] INFO Registered MBean (kafka.utils.Log4jControllerRegistration$)',
        '[2026-11-28 05:57:34,337] ERROR Exiting Kafka due to fatal exception (kafka.Kafka$)',
        "java.lang.RuntimeException: Stored node id 7 doesn't match previous node id 1",
        '\tat kafka.Kafka$.buildServer(Kafka.scala:68) ~[kafka_2.13-4.1.1.jar:?]',
        '\tat kafka.Kafka.main(Kafka.scala) [kafka_2.13-4.1.1.jar:?]',
        '',
      ].join('\n'),
    );
    expect(causeFromLog(file)).toBe("java.lang.RuntimeException: Stored node id 7 doesn't match previous node id 1");
  });

  it('names a Node service error', () => {
    expect(causeFromLog(log('listening\nError: listen EADDRINUSE: address already in use 127.0.0.1:8081\n    at Server.setupListenHandle\n'))).toBe(
      'Error: listen EADDRINUSE: address already in use 127.0.0.1:8081',
    );
  });

  it('falls back to the last line, and to nothing for a missing log', () => {
    expect(causeFromLog(log('starting\nout of disk space\n\n'))).toBe('out of disk space');
    expect(causeFromLog('/nonexistent/prm.log')).toBe('');
  });
});

describe('causeFromLog after a restart', () => {
  it('ignores what earlier runs left in the same log', () => {
    const earlier = 'java.lang.RuntimeException: an old failure\n';
    const file = log(`${earlier}starting again\nError: the new failure\n`);
    expect(causeFromLog(file, Buffer.byteLength(earlier))).toBe('Error: the new failure');
  });
});
