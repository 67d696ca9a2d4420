import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connectionFromEnv } from '../../../stack/connection';

const base = { KAFKA_BROKERS: 'k1:9092, k2:9092', SCHEMA_REGISTRY_URL: 'https://registry:8081', DATABASE_URL: 'postgres://db/prm' };

describe('connection from the environment', () => {
  it('is plain brokers, registry and database when no security is set', () => {
    expect(connectionFromEnv(base)).toEqual({
      kafka: { brokers: ['k1:9092', 'k2:9092'] }, registry: { url: 'https://registry:8081' }, databaseUrl: 'postgres://db/prm',
    });
  });

  it('passes TLS, SASL and registry basic auth through', () => {
    const dir = mkdtempSync(join(tmpdir(), 'prm-ca-'));
    writeFileSync(join(dir, 'ca.pem'), '-----BEGIN CERTIFICATE-----\nx\n-----END CERTIFICATE-----\n');
    const c = connectionFromEnv({
      ...base, KAFKA_SSL_CA_FILE: join(dir, 'ca.pem'), KAFKA_SASL_MECHANISM: 'SCRAM-SHA-512', KAFKA_SASL_USERNAME: 'prm', KAFKA_SASL_PASSWORD: 's3cret',
      SCHEMA_REGISTRY_USERNAME: 'key', SCHEMA_REGISTRY_PASSWORD: 'secret',
    });
    expect(c.kafka.ssl).toEqual({ ca: ['-----BEGIN CERTIFICATE-----\nx\n-----END CERTIFICATE-----\n'] });
    expect(c.kafka.sasl).toEqual({ mechanism: 'scram-sha-512', username: 'prm', password: 's3cret' });
    expect(c.registry.auth).toEqual({ username: 'key', password: 'secret' });
    expect(connectionFromEnv({ ...base, KAFKA_SSL: 'true' }).kafka.ssl).toBe(true);
  });

  it('names the variable of a half-given or misspelt setting', () => {
    expect(() => connectionFromEnv({ ...base, KAFKA_SASL_MECHANISM: 'plain', KAFKA_SASL_USERNAME: 'u' })).toThrow('KAFKA_SASL_PASSWORD must be set');
    expect(() => connectionFromEnv({ ...base, KAFKA_SASL_MECHANISM: 'gssapi' })).toThrow(/KAFKA_SASL_MECHANISM must be one of/);
    expect(() => connectionFromEnv({ ...base, KAFKA_SASL_USERNAME: 'u' })).toThrow(/KAFKA_SASL_MECHANISM is not/);
    expect(() => connectionFromEnv({ ...base, SCHEMA_REGISTRY_USERNAME: 'u' })).toThrow('SCHEMA_REGISTRY_PASSWORD must be set');
    expect(() => connectionFromEnv({ ...base, KAFKA_SSL: 'yes' })).toThrow(/KAFKA_SSL must be true or false/);
  });
});
