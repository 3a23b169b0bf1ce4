import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { request as httpsRequest } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, beforeEach, describe, it } from 'node:test';
import type { BoricaApi } from '../../borica/api';
import { createBoricaClient } from '../../borica/client';
import { BoricaNetworkError } from '../../borica/errors';
import type { IdentificationRequest } from '../../borica/schemas';
import { type DevPki, ensureDevPki } from '../../sandbox/pki';
import guide from './fixtures/guide-examples.json';
import { type FakeBorica, type Reply, refusedPort, startFakeBorica } from './support/fake-borica';

const identification = guide.identificationRequest as IdentificationRequest;
const EGN = identification.personIdentityData.identificatorValue;
const PHONE = identification.phoneNumber;
const EMAIL = identification.email;

/** Every message along an error's cause chain. */
function messages(error: unknown): string {
  const parts: string[] = [];
  for (let current = error; current instanceof Error; current = current.cause) {
    parts.push(current.message, current.stack ?? '');
  }
  return parts.join('\n');
}

function assertNoPersonalData(error: unknown): void {
  const text = messages(error);
  for (const datum of [EGN, PHONE, EMAIL]) assert.ok(!text.includes(datum), `an error carries ${datum}`);
}

function rawRequest(url: string, tls: { cert?: string; key?: string; ca: string }): Promise<number> {
  return new Promise((resolve, reject) => {
    const request = httpsRequest(`${url}/identification/x`, { ...tls, agent: false }, (response) => {
      response.resume();
      resolve(response.statusCode ?? 0);
    });
    request.on('error', reject);
    request.end();
  });
}

describe('BORICA client transport', () => {
  let dir: string;
  let pki: DevPki;
  let strangerPki: DevPki;
  let fake: FakeBorica;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'borica-transport-'));
    [pki, strangerPki] = await Promise.all([
      ensureDevPki({ dir: join(dir, 'ours') }),
      ensureDevPki({ dir: join(dir, 'stranger') }),
    ]);
    fake = await startFakeBorica(pki);
  });

  after(async () => {
    await fake.close();
    await rm(dir, { recursive: true, force: true });
  });

  beforeEach(() => {
    fake.requests.length = 0;
  });

  function clientFor(baseUrl: string, options: { timeoutMs?: number; identity?: DevPki } = {}): BoricaApi {
    const identity = options.identity ?? pki;
    return createBoricaClient({
      baseUrl,
      relyingPartyId: '24102167',
      tls: { cert: identity.clientCertPem, key: identity.clientKeyPem, ca: pki.caCertPem },
      ...(options.timeoutMs === undefined ? {} : { timeoutMs: options.timeoutMs }),
    });
  }

  describe('mutual TLS', () => {
    it('lets a client holding the registered certificate through', async () => {
      fake.answer({ status: 404, json: guide.error404 });

      const status = await rawRequest(fake.baseUrl, {
        cert: pki.clientCertPem,
        key: pki.clientKeyPem,
        ca: pki.caCertPem,
      });

      assert.equal(status, 404);
      assert.equal(fake.requests.length, 1);
    });

    it('refuses the handshake when the client presents no certificate', async () => {
      await assert.rejects(rawRequest(fake.baseUrl, { ca: pki.caCertPem }));
      assert.equal(fake.requests.length, 0);
    });

    it('refuses a client certificate signed by another CA', async () => {
      const borica = clientFor(fake.baseUrl, { identity: strangerPki });
      try {
        const error = await borica.identify(identification).catch((caught: unknown) => caught);

        assert.ok(error instanceof BoricaNetworkError, String(error));
        assert.match(error.message, new RegExp(new URL(fake.baseUrl).host));
        assert.equal(fake.requests.length, 0);
        // Under TLS 1.3 the rejection arrives after the request was written; the client cannot tell.
        assert.equal(error.requestSent, true);
      } finally {
        await borica.close();
      }
    });

    it('says a request refused at a TLS 1.2 handshake never reached BORICA', async () => {
      const tls12 = await startFakeBorica(pki, { maxVersion: 'TLSv1.2' });
      const borica = clientFor(tls12.baseUrl, { identity: strangerPki });
      try {
        const error = await borica.identify(identification).catch((caught: unknown) => caught);

        assert.ok(error instanceof BoricaNetworkError, String(error));
        assert.equal(error.requestSent, false);
        assert.equal(error.retryable, true);
        assert.equal(tls12.requests.length, 0);
      } finally {
        await borica.close();
        await tls12.close();
      }
    });

    it('refuses a server whose certificate is not from the trusted CA', async () => {
      const borica = createBoricaClient({
        baseUrl: fake.baseUrl,
        relyingPartyId: '24102167',
        tls: { cert: pki.clientCertPem, key: pki.clientKeyPem, ca: strangerPki.caCertPem },
      });
      try {
        const error = await borica.getRegistrationStatus('e9ed4675').catch((caught: unknown) => caught);

        assert.ok(error instanceof BoricaNetworkError, String(error));
        assert.equal(error.requestSent, false);
        assert.equal(fake.requests.length, 0);
      } finally {
        await borica.close();
      }
    });
  });

  describe('network failures', () => {
    it('reports a refused connection, naming the host, as never sent', async () => {
      const host = `127.0.0.1:${await refusedPort()}`;
      const borica = clientFor(`https://${host}/signing-api/v2`);
      try {
        const error = await borica.identify(identification).catch((caught: unknown) => caught);

        assert.ok(error instanceof BoricaNetworkError, String(error));
        assert.equal(error.host, host);
        assert.match(error.message, new RegExp(host));
        assert.match(error.message, /ECONNREFUSED/);
        assert.equal(error.requestSent, false);
        assertNoPersonalData(error);
      } finally {
        await borica.close();
      }
    });

    it('reports an unanswered request as a timeout that may have reached BORICA', async () => {
      fake.answer('hang');
      const borica = clientFor(fake.baseUrl, { timeoutMs: 300 });
      try {
        const error = await borica.identify(identification).catch((caught: unknown) => caught);

        assert.ok(error instanceof BoricaNetworkError, String(error));
        assert.match(error.message, /UND_ERR_HEADERS_TIMEOUT/);
        assert.match(error.message, new RegExp(new URL(fake.baseUrl).host));
        assert.equal(error.requestSent, true);
        assert.equal(fake.requests.length, 1);
        assertNoPersonalData(error);
      } finally {
        await borica.close();
      }
    });

    it('fails a call on a closed client without calling it a network failure', async () => {
      const borica = clientFor(fake.baseUrl);
      await borica.close();

      await assert.rejects(
        borica.getRegistrationStatus('e9ed4675'),
        (error: unknown) => !(error instanceof BoricaNetworkError),
      );
    });

    it("hands back the caller's own abort instead of a network error", async () => {
      fake.answer('hang');
      const borica = clientFor(fake.baseUrl);
      const controller = new AbortController();
      try {
        const pending = borica.getIdentificationResult('a2c25bcd', { signal: controller.signal });
        controller.abort(new Error('activity cancelled'));

        await assert.rejects(pending, (error: unknown) => !(error instanceof BoricaNetworkError));
      } finally {
        await borica.close();
      }
    });
  });

  describe('personal data', () => {
    let borica: BoricaApi;

    before(() => {
      borica = clientFor(fake.baseUrl);
    });

    after(async () => {
      await borica.close();
    });

    const answersEchoingTheRequest: [string, (body: string) => Reply][] = [
      [
        'a 400 quoting the request',
        (body) => ({ status: 400, json: { code: 'BAD_REQUEST', message: 'bad', data: body } }),
      ],
      ['an error code that is the body', (body) => ({ status: 500, json: { code: body, message: 'x' } })],
      ['a success that is not JSON', (body) => ({ status: 200, text: `not json ${body}` })],
      [
        'a success breaking the contract with the data',
        (body) => ({ status: 200, json: { code: 'OK', data: { callbackId: body, validity: body } } }),
      ],
    ];

    for (const [name, reply] of answersEchoingTheRequest) {
      it(`keeps the EGN, phone and email out of the error for ${name}`, async () => {
        fake.answer((request) => reply(request.body));

        const error = await borica.identify(identification).catch((caught: unknown) => caught);

        assert.ok(error instanceof Error);
        assertNoPersonalData(error);
      });
    }

    it('keeps the EGN, phone and email out of client-side validation errors', async () => {
      const wrongBirthDate = {
        ...identification,
        personIdentityData: { ...identification.personIdentityData, dateOfBirth: '1978-05-16' },
        phoneNumber: `${PHONE}x`,
      };

      const error = await borica.identify(wrongBirthDate).catch((caught: unknown) => caught);

      assert.ok(error instanceof Error);
      assertNoPersonalData(error);
      assert.ok(!messages(error).includes('1978-05-16'));
      assert.equal(fake.requests.length, 0);
    });
  });
});
