import assert from 'node:assert/strict';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { defaultPayloadConverter, type Payload } from '@temporalio/common';
import { createCodecServerApp, SESSION_COOKIE } from '../../codec/codec-server';
import { generateKeySpec, parseKeyRing } from '../../codec/keys';
import { ENCRYPTED_ENCODING, EncryptionCodec } from '../../codec/payload-codec';
import { createLogger } from '../../common/logger';

const token = 'codec-token-0123456789abcdefghijklmnopqrstuvwxyz';
const uiOrigin = 'http://localhost:8080';
const customer = { egn: '7805166742', email: 'maria.ivanova@example.bg' };

interface JsonPayload {
  metadata: Record<string, string>;
  data: string;
}

describe('codec server', () => {
  const keys = parseKeyRing(generateKeySpec('k1'));
  const codec = new EncryptionCodec(keys);
  const logLines: string[] = [];
  let server: Server;
  let baseUrl: string;

  before(async () => {
    const logger = createLogger('codec-server', captureTo(logLines));
    const app = createCodecServerApp({ keys, token, corsOrigins: [uiOrigin], logger, bodyLimit: '64kb' });
    server = app.listen(0, '127.0.0.1');
    await new Promise((resolve) => server.once('listening', resolve));
    baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  after(async () => {
    await new Promise((resolve) => server.close(resolve));
  });

  it('decodes encrypted payloads for a caller with the token', async () => {
    const encrypted = await codec.encode([defaultPayloadConverter.toPayload(customer)]);

    const response = await post('/decode', { payloads: encrypted.map(toJson) });

    assert.equal(response.status, 200);
    const { payloads } = (await response.json()) as { payloads: JsonPayload[] };
    assert.equal(payloads.length, 1);
    assert.deepEqual(defaultPayloadConverter.fromPayload(fromJson(payloads[0])), customer);
  });

  it('refuses a request with a wrong token or none', async () => {
    const body = {
      payloads: (await codec.encode([defaultPayloadConverter.toPayload(customer)])).map(toJson),
    };

    const wrong = await post('/decode', body, { Authorization: `Bearer ${token.slice(1)}x` });
    const none = await post('/decode', body, { Authorization: '' });
    const scheme = await post('/decode', body, { Authorization: `Basic ${token}` });

    for (const response of [wrong, none, scheme]) {
      assert.equal(response.status, 401);
      assert.doesNotMatch(await response.text(), /maria|7805166742/);
    }
  });

  it('answers the Web UI preflight and lets it read responses with credentials', async () => {
    const preflight = await fetch(`${baseUrl}/decode`, {
      method: 'OPTIONS',
      headers: {
        Origin: uiOrigin,
        'Access-Control-Request-Method': 'POST',
        'Access-Control-Request-Headers': 'authorization,content-type,x-namespace',
      },
    });

    assert.equal(preflight.status, 204);
    assert.equal(preflight.headers.get('access-control-allow-origin'), uiOrigin);
    assert.equal(preflight.headers.get('access-control-allow-credentials'), 'true');
    assert.match(preflight.headers.get('access-control-allow-methods') ?? '', /POST/);
    const allowed = (preflight.headers.get('access-control-allow-headers') ?? '').toLowerCase();
    for (const header of ['authorization', 'content-type', 'x-namespace'])
      assert.ok(allowed.includes(header));

    const actual = await post('/decode', { payloads: [] }, { Origin: uiOrigin });
    assert.equal(actual.headers.get('access-control-allow-origin'), uiOrigin);
  });

  it('refuses a preflight from an origin that is not configured', async () => {
    const preflight = await fetch(`${baseUrl}/decode`, {
      method: 'OPTIONS',
      headers: { Origin: 'https://attacker.example', 'Access-Control-Request-Method': 'POST' },
    });

    assert.equal(preflight.status, 403);
    assert.equal(preflight.headers.get('access-control-allow-origin'), null);
  });

  it('encrypts what it is given and decrypts it again, also under a namespace path', async () => {
    const plain = defaultPayloadConverter.toPayload(customer);

    const encoded = await post('/default/encode', { payloads: [toJson(plain)] });
    const { payloads: encrypted } = (await encoded.json()) as { payloads: JsonPayload[] };
    const decoded = await post('/decode', { payloads: encrypted });
    const { payloads: decrypted } = (await decoded.json()) as { payloads: JsonPayload[] };

    assert.equal(encoded.status, 200);
    assert.equal(Buffer.from(encrypted[0]?.metadata.encoding ?? '', 'base64').toString(), ENCRYPTED_ENCODING);
    assert.ok(!Buffer.from(encrypted[0]?.data ?? '', 'base64').includes(customer.egn));
    assert.deepEqual(decrypted, [toJson(plain)]);
  });

  it('passes payloads that were never encrypted through decode unchanged', async () => {
    const plain = toJson(defaultPayloadConverter.toPayload('written before encryption'));

    const response = await post('/decode', { payloads: [plain] });

    assert.deepEqual(await response.json(), { payloads: [plain] });
  });

  it('names the key id when a payload was encrypted with a key it does not have', async () => {
    const otherCodec = new EncryptionCodec(parseKeyRing(generateKeySpec('retired')));
    const encrypted = await otherCodec.encode([defaultPayloadConverter.toPayload(customer)]);

    const response = await post('/decode', { payloads: encrypted.map(toJson) });

    assert.equal(response.status, 422);
    assert.match(((await response.json()) as { error: string }).error, /no key with id "retired"/);
  });

  it('rejects malformed and oversized bodies without echoing them', async () => {
    const malformed = await post('/decode', { payloads: [{ data: 'not base64!' }] });
    const oversized = await post('/decode', { payloads: [{ data: 'A'.repeat(100_000) }] });

    assert.equal(malformed.status, 400);
    assert.match(await malformed.text(), /payloads\.0\.data is malformed/);
    assert.equal(oversized.status, 413);
  });

  it('signs a browser in with the token and then accepts its session cookie', async () => {
    const refused = await signIn('not the token');
    const signedIn = await signIn(token);
    const cookie = signedIn.headers.get('set-cookie') ?? '';

    assert.equal(refused.status, 401);
    assert.equal(refused.headers.get('set-cookie'), null);
    assert.equal(signedIn.status, 200);
    assert.match(cookie, new RegExp(`^${SESSION_COOKIE}=`));
    assert.match(cookie, /HttpOnly/i);
    assert.match(cookie, /SameSite=Strict/i);
    assert.ok(!cookie.includes(token), 'the cookie must not hold the token itself');

    const decoded = await post(
      '/decode',
      { payloads: [] },
      { Authorization: '', Cookie: cookie.split(';')[0] ?? '', Origin: uiOrigin },
    );
    assert.equal(decoded.status, 200);
  });

  it('accepts the token as the endpoint path, for clients that can only be given a URL', async () => {
    const encrypted = await codec.encode([defaultPayloadConverter.toPayload(customer)]);
    const body = { payloads: encrypted.map(toJson) };

    const accepted = await post(`/t/${token}/default/decode`, body, { Authorization: '' });
    const refused = await post(`/t/${token.slice(1)}x/decode`, body, { Authorization: '' });

    assert.equal(accepted.status, 200);
    assert.equal(refused.status, 401);
  });

  it('keeps payload content and the token out of its log', async () => {
    const encrypted = await codec.encode([defaultPayloadConverter.toPayload(customer)]);
    await post('/decode', { payloads: encrypted.map(toJson) });
    await post('/decode', { payloads: [] }, { Authorization: `Bearer ${token}x` });
    await post(`/t/${token}x/decode`, { payloads: [] }, { Authorization: '' });

    const log = logLines.join('');
    assert.match(log, /payloads converted/);
    for (const secret of [token, customer.egn, customer.email]) assert.ok(!log.includes(secret));
  });

  async function post(path: string, body: unknown, headers: Record<string, string> = {}): Promise<Response> {
    const defaults = {
      Authorization: `Bearer ${token}`,
      'Content-Type': 'application/json',
      'X-Namespace': 'default',
    };
    const merged = Object.entries({ ...defaults, ...headers }).filter(([, value]) => value !== '');
    return await fetch(`${baseUrl}${path}`, {
      method: 'POST',
      headers: Object.fromEntries(merged),
      body: JSON.stringify(body),
    });
  }

  async function signIn(candidate: string): Promise<Response> {
    return await fetch(`${baseUrl}/session`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ token: candidate }).toString(),
    });
  }
});

function toJson(payload: Payload): JsonPayload {
  const metadata = Object.entries(payload.metadata ?? {}).map(([key, value]) => [
    key,
    Buffer.from(value).toString('base64'),
  ]);
  return { metadata: Object.fromEntries(metadata), data: Buffer.from(payload.data ?? []).toString('base64') };
}

function fromJson(payload: JsonPayload | undefined): Payload {
  assert.ok(payload);
  const metadata = Object.entries(payload.metadata).map(([key, value]) => [
    key,
    Buffer.from(value, 'base64'),
  ]);
  return { metadata: Object.fromEntries(metadata), data: Buffer.from(payload.data, 'base64') };
}

function captureTo(lines: string[]): Writable {
  return new Writable({
    write(chunk, _encoding, done) {
      lines.push(chunk.toString());
      done();
    },
  });
}
