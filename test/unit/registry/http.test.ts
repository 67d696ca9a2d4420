import { SchemaRegistry, SchemaType } from '@kafkajs/confluent-schema-registry';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { LogFollower } from '../../../stack/registry/follower';
import { contentType, createHandler } from '../../../stack/registry/http';
import { RegistryService } from '../../../stack/registry/service';
import { MemoryLog } from './memory-log';

const request = { type: 'record', name: 'ExecutionRequest', namespace: 'prm.test', fields: [{ name: 'requestId', type: 'string' }] };
const withOptional = { ...request, fields: [...request.fields, { name: 'deadline', type: ['null', 'long'], default: null }] };
const withRequired = { ...request, fields: [...request.fields, { name: 'tier', type: 'int' }] };
const avro = (schema: object) => ({ type: SchemaType.AVRO as const, schema: JSON.stringify(schema) });

async function serve(service: RegistryService): Promise<{ url: string; server: Server }> {
  const server = createServer(createHandler(service));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server };
}

describe('registry HTTP API', () => {
  let url: string;
  let server: Server;
  let log: MemoryLog;

  beforeEach(async () => {
    log = new MemoryLog();
    ({ url, server } = await serve(log.instance().service));
  });
  afterEach(() => new Promise((resolve) => server.close(resolve)));

  const call = async (method: string, path: string, body?: object) => {
    const res = await fetch(`${url}${path}`, { method, headers: { 'Content-Type': contentType }, body: body && JSON.stringify(body) });
    return { status: res.status, type: res.headers.get('content-type'), body: (await res.json()) as Record<string, unknown> };
  };

  it('serves @kafkajs/confluent-schema-registry unchanged: register, dedupe, encode, decode, evolve', async () => {
    const client = new SchemaRegistry({ host: url }, { [SchemaType.AVRO]: {} });
    const { id } = await client.register(avro(request), { subject: 'prm.requests-value' });
    expect(await client.register(avro(request), { subject: 'prm.requests-value' })).toEqual({ id });
    const fresh = new SchemaRegistry({ host: url });
    expect(await fresh.decode(await client.encode(id, { requestId: 'r-1' }))).toEqual({ requestId: 'r-1' });
    const v2 = await client.register(avro(withOptional), { subject: 'prm.requests-value' });
    expect(v2.id).toBe(id + 1);
    expect(await client.getLatestSchemaId('prm.requests-value')).toBe(v2.id);
    expect(await client.getRegistryId('prm.requests-value', 1)).toBe(id);
    expect(await client.getRegistryIdBySchema('prm.requests-value', avro(request))).toBe(id);
    // The client set the subject's level after its first registration, as it does against Confluent.
    expect(await call('GET', '/config/prm.requests-value')).toMatchObject({ status: 200, body: { compatibilityLevel: 'BACKWARD' } });
  });

  it('refuses a breaking change with 409 and a message naming the field, surfaced by the client', async () => {
    const client = new SchemaRegistry({ host: url });
    await client.register(avro(request), { subject: 's-value' });
    const error = await client.register(avro(withRequired), { subject: 's-value' }).catch((e: unknown) => e);
    expect(error).toMatchObject({ status: 409 });
    expect((error as Error).message).toMatch(/incompatible with an earlier schema for subject "s-value" under BACKWARD.*prm\.test\.ExecutionRequest\.tier.*no default/);
    expect(log.values).toHaveLength(2); // the config and the first schema; the refused one was never written
  });

  it('speaks the Confluent error shape and content type', async () => {
    const missing = await call('GET', '/subjects/nope/versions');
    expect(missing).toEqual({ status: 404, type: contentType, body: { error_code: 40401, message: "Subject 'nope' not found." } });
    expect((await call('GET', '/schemas/ids/5')).body).toMatchObject({ error_code: 40403 });
    expect((await call('POST', '/subjects/s/versions', { schema: '{"type": "recrod"}' })).body).toMatchObject({ error_code: 42201 });
    expect((await call('POST', '/subjects/s/versions', { schema: '"int"', schemaType: 'PROTOBUF' })).body.message).toMatch(/AVRO schemas only/);
    expect((await call('PUT', '/config', { compatibility: 'SOMETIMES' })).body).toMatchObject({ error_code: 42203 });
    expect((await call('GET', '/subjects/s/versions/zero')).body).toMatchObject({ error_code: 42202 });
    expect((await call('DELETE', '/schemas/ids/1')).status).toBe(405);
    expect((await call('GET', '/nothing/here')).status).toBe(404);
  });

  it('lists, reads, checks and deletes', async () => {
    const { body } = await call('POST', '/subjects/a%2Fb-value/versions', { schema: JSON.stringify(request) });
    expect(body).toEqual({ id: 1 });
    expect((await call('GET', '/subjects')).body).toEqual(['a/b-value']);
    expect((await call('GET', '/subjects/a%2Fb-value/versions')).body).toEqual([1]);
    const latest = (await call('GET', '/subjects/a%2Fb-value/versions/latest')).body;
    expect(latest).toMatchObject({ subject: 'a/b-value', version: 1, id: 1 });
    expect(JSON.parse(latest.schema as string)).toMatchObject({ name: 'ExecutionRequest' });
    expect((await call('GET', '/schemas/ids/1/schema')).body).toMatchObject({ type: 'record', name: 'ExecutionRequest' });
    const verdict = await call('POST', '/compatibility/subjects/a%2Fb-value/versions/latest?verbose=true', { schema: JSON.stringify(withRequired) });
    expect(verdict.body).toEqual({ is_compatible: false, messages: [expect.stringMatching(/ExecutionRequest\.tier/)] });
    expect((await call('POST', '/compatibility/subjects/a%2Fb-value/versions/1', { schema: JSON.stringify(withOptional) })).body).toEqual({ is_compatible: true });
    expect((await call('PUT', '/config/a%2Fb-value', { compatibility: 'NONE' })).body).toEqual({ compatibility: 'NONE' });
    expect((await call('POST', '/compatibility/subjects/a%2Fb-value/versions/latest', { schema: JSON.stringify(withRequired) })).body).toEqual({ is_compatible: true });
    expect((await call('DELETE', '/config/a%2Fb-value')).body).toEqual({ compatibilityLevel: 'NONE' });
    expect((await call('GET', '/config/a%2Fb-value?defaultToGlobal=true')).body).toEqual({ compatibilityLevel: 'BACKWARD' });
    expect((await call('DELETE', '/subjects/a%2Fb-value')).body).toEqual([1]);
    expect((await call('GET', '/subjects')).body).toEqual([]);
    expect((await call('GET', '/subjects?deleted=true')).body).toEqual(['a/b-value']);
    expect((await call('DELETE', '/subjects/a%2Fb-value?permanent=true')).body).toEqual([1]);
    expect((await call('GET', '/schemas/ids/1')).status).toBe(200);
  });

  it('lets two instances on one log agree on ids and see each other’s writes', async () => {
    const other = await serve(log.instance().service);
    try {
      const first = new SchemaRegistry({ host: url });
      const second = new SchemaRegistry({ host: other.url });
      const [a, b] = await Promise.all([
        first.register(avro(request), { subject: 'x-value' }),
        second.register(avro(withOptional), { subject: 'y-value' }),
      ]);
      expect(new Set([a.id, b.id])).toEqual(new Set([1, 2]));
      expect(await second.register(avro(request), { subject: 'x-value' })).toEqual(a);
      expect(await first.getLatestSchemaId('y-value')).toBe(b.id);
    } finally {
      await new Promise((resolve) => other.server.close(resolve));
    }
  });

  it('answers 503 until the log has been read', async () => {
    const follower = new LogFollower();
    const service = new RegistryService({ follower, append: async () => undefined });
    const cold = await serve(service);
    try {
      const res = await fetch(`${cold.url}/subjects`);
      expect(res.status).toBe(503);
      service.markReady();
      expect((await fetch(`${cold.url}/subjects`)).status).toBe(200);
    } finally {
      await new Promise((resolve) => cold.server.close(resolve));
    }
  });

  it('answers 500 when a write never comes back through the log', async () => {
    const service = new RegistryService({ follower: new LogFollower(), append: async () => undefined, writeTimeoutMs: 50 });
    service.markReady();
    await expect(service.setCompatibility(null, { compatibility: 'FULL' })).rejects.toMatchObject({ status: 500, errorCode: 50002 });
  });
});
