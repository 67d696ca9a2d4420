import { KafkaJSNonRetriableError, KafkaJSNumberOfRetriesExceeded, KafkaJSProtocolError } from 'kafkajs';
import { isTransient } from '../../../stack/registry/kafka-log';

// The registry's reader stopping while it starts: a transient stop gets a new reader, any other ends the start.
describe('isTransient', () => {
  // What kafkajs builds from a broker's error code (protocol/error.js).
  const protocolError = (message: string, type: string, code: number, retriable: boolean) =>
    new KafkaJSProtocolError(Object.assign(new Error(message), { type, code, retriable }));
  const loading = protocolError("The coordinator is loading and hence can't process requests for this group", 'COORDINATOR_LOAD_IN_PROGRESS', 14, true);

  it('a coordinator still loading, its retries run out, is transient', () => {
    expect(isTransient(loading)).toBe(true);
    expect(isTransient(new KafkaJSNumberOfRetriesExceeded(loading, { retryCount: 4, retryTime: 3000 }))).toBe(true);
  });

  it('an error no retry can mend is not', () => {
    const denied = protocolError('Not authorized to access topics', 'TOPIC_AUTHORIZATION_FAILED', 29, false);
    expect(isTransient(denied)).toBe(false);
    expect(isTransient(new KafkaJSNumberOfRetriesExceeded(denied, { retryCount: 0, retryTime: 0 }))).toBe(false);
    expect(isTransient(new KafkaJSNonRetriableError('the consumer was stopped'))).toBe(false);
    expect(isTransient(new Error('plain'))).toBe(false);
    expect(isTransient(undefined)).toBe(false);
  });
});
