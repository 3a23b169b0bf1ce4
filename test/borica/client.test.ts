import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, beforeEach, describe, it } from 'node:test';
import type { BoricaApi } from '../../borica/api';
import { createBoricaClient } from '../../borica/client';
import { BoricaContractError, BoricaHttpError, BoricaRequestError } from '../../borica/errors';
import type {
  CreateRegistrationRequest,
  IdentificationRequest,
  StartSignSessionRequest,
} from '../../borica/schemas';
import { ensureDevPki } from '../../sandbox/pki';
import guide from './fixtures/guide-examples.json';
import { type FakeBorica, startFakeBorica } from './support/fake-borica';

const identification = guide.identificationRequest as IdentificationRequest;
const signSession = guide.startSignSessionRequest as StartSignSessionRequest;

describe('BORICA client operations', () => {
  let dir: string;
  let fake: FakeBorica;
  let borica: BoricaApi;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'borica-client-'));
    const pki = await ensureDevPki({ dir });
    fake = await startFakeBorica(pki);
    borica = createBoricaClient({
      baseUrl: fake.baseUrl,
      relyingPartyId: '24102167',
      tls: { cert: pki.clientCertPem, key: pki.clientKeyPem, ca: pki.caCertPem },
      language: 'bg',
    });
  });

  after(async () => {
    await borica.close();
    await fake.close();
    await rm(dir, { recursive: true, force: true });
  });

  beforeEach(() => {
    fake.requests.length = 0;
  });

  function lastRequest() {
    const request = fake.requests.at(-1);
    assert.ok(request, 'the fake received no request');
    return request;
  }

  describe('sends each operation as the guide describes it', () => {
    it('identify: POST /identification with the body, relyingPartyID and JSON headers', async () => {
      fake.answer({ status: 200, json: guide.identificationResponse });

      const response = await borica.identify(identification);

      const request = lastRequest();
      assert.equal(request.method, 'POST');
      assert.equal(request.path, '/signing-api/v2/identification');
      assert.equal(request.headers.relyingpartyid, '24102167');
      assert.equal(request.headers.accept, 'application/json');
      assert.equal(request.headers['content-type'], 'application/json');
      assert.equal(request.headers['accept-language'], 'bg');
      assert.equal(request.clientSubject, 'borica-flows dev relying party');
      assert.deepEqual(JSON.parse(request.body), identification);
      assert.equal(response.data.callbackId, guide.identificationResponse.data.callbackId);
    });

    it('getIdentificationResult: reads a 206 as still in progress', async () => {
      fake.answer({ status: 206, json: guide.identificationProgress });

      const poll = await borica.getIdentificationResult('a2c25bcd-00f0-4128-8890-fbcb26fc2f81');

      const request = lastRequest();
      assert.equal(request.method, 'GET');
      assert.equal(request.path, '/signing-api/v2/identification/a2c25bcd-00f0-4128-8890-fbcb26fc2f81');
      assert.equal(request.headers['content-type'], undefined);
      assert.equal(request.headers.relyingpartyid, '24102167');
      assert.deepEqual(poll, { finished: false, progress: guide.identificationProgress });
    });

    it('getIdentificationResult: reads a 200 as the finished result', async () => {
      fake.answer({ status: 200, json: guide.identificationResult });

      const poll = await borica.getIdentificationResult('a2c25bcd');

      assert.equal(poll.finished, true);
      assert.equal(poll.finished && poll.result.data.identifier, 'string');
    });

    it('startWebIdentification: POST /identification/web/websession/start, resultId as a string', async () => {
      fake.answer({ status: 200, json: guide.startWebIdentificationResponse });

      const response = await borica.startWebIdentification(guide.startWebIdentificationRequest);

      const request = lastRequest();
      assert.equal(request.method, 'POST');
      assert.equal(request.path, '/signing-api/v2/identification/web/websession/start');
      assert.deepEqual(JSON.parse(request.body), guide.startWebIdentificationRequest);
      assert.equal(response.data.resultId, '95');
    });

    it('createRegistration: POST to the web session, id encoded', async () => {
      fake.answer({ status: 200, json: guide.createRegistrationResponse });

      const response = await borica.createRegistration(
        '245ccb3e/..?x',
        guide.createRegistrationRequest as CreateRegistrationRequest,
      );

      const request = lastRequest();
      assert.equal(request.method, 'POST');
      assert.equal(
        request.path,
        '/signing-api/v2/identification/web/sessions/by-otc-request/245ccb3e%2F..%3Fx',
      );
      assert.deepEqual(JSON.parse(request.body), guide.createRegistrationRequest);
      assert.equal(response.sessionId, guide.createRegistrationResponse.sessionId);
    });

    it('getWebIdentificationResults: GET without onlyMetadata unless it is set', async () => {
      fake.answer({ status: 200, json: guide.webIdentificationResults });
      const path = {
        resultId: 95,
        processState: 'CREATE_SIGN_SESSION_REQUEST',
        sessionId: '245ccb3e',
      } as const;

      const full = await borica.getWebIdentificationResults(path);
      await borica.getWebIdentificationResults({ ...path, onlyMetadata: true });

      const [first, second] = fake.requests;
      assert.equal(
        first?.path,
        '/signing-api/v2/identification/web/95/result/CREATE_SIGN_SESSION_REQUEST/245ccb3e',
      );
      assert.equal(
        second?.path,
        '/signing-api/v2/identification/web/95/result/CREATE_SIGN_SESSION_REQUEST/245ccb3e/true',
      );
      assert.equal(first?.method, 'GET');
      assert.equal(full.data.signSessionId, guide.webIdentificationResults.data.signSessionId);
    });

    it('startSignSession: POST /identification/web/signsession/start with a single slash', async () => {
      fake.answer({ status: 200, json: guide.startSignSessionResponse });

      const response = await borica.startSignSession(signSession);

      const request = lastRequest();
      assert.equal(request.path, '/signing-api/v2/identification/web/signsession/start');
      assert.deepEqual(JSON.parse(request.body), signSession);
      assert.equal(response.data.resultId, '109');
    });

    it('getSignedDocuments: GET the SIGN_SESSION result', async () => {
      fake.answer({ status: 200, json: guide.signedDocumentsResult });

      const response = await borica.getSignedDocuments({ resultId: '109', signSessionId: '491d8265' });

      assert.equal(lastRequest().path, '/signing-api/v2/identification/web/109/result/SIGN_SESSION/491d8265');
      assert.equal(response.data.signDocuments[0]?.filename, 'test.pdf');
    });

    it('getRegistrationStatus: GET the registration status', async () => {
      fake.answer({ status: 200, json: guide.registrationStatusResponse });

      const response = await borica.getRegistrationStatus('e9ed4675');

      assert.equal(
        lastRequest().path,
        '/signing-api/v2/identification/web/sessions/by-otc-request/e9ed4675/status',
      );
      assert.equal(response.status, 'COMPLETED');
    });

    it('getWebIdentificationStatus: GET the status by result id, in the language asked for', async () => {
      fake.answer({ status: 200, json: guide.webIdentificationStatusResponse });

      const response = await borica.getWebIdentificationStatus('95', { language: 'en' });

      const request = lastRequest();
      assert.equal(request.path, '/signing-api/v2/identification/web/95/status');
      assert.equal(request.headers['accept-language'], 'en');
      assert.equal(response.data.step, 'WEB_IDV_REGISTRATION');
    });
  });

  describe('validates requests before sending them', () => {
    it('stops a malformed request before it leaves, naming the field and not the value', async () => {
      const malformed = { ...identification, email: 'dnikolov@borica' };

      const error = await borica.identify(malformed).catch((caught: unknown) => caught);

      assert.ok(error instanceof BoricaRequestError);
      assert.equal(error.path, 'email');
      assert.match(error.message, /email/);
      assert.doesNotMatch(error.message, /dnikolov/);
      assert.equal(error.retryable, false);
      assert.equal(fake.requests.length, 0);
    });

    it('stops a nested field with its dotted path', async () => {
      const [document] = signSession.documentsForSign;
      const malformed = {
        ...signSession,
        documentsForSign: [{ ...document, fileName: '' }],
      } as StartSignSessionRequest;

      await assert.rejects(borica.startSignSession(malformed), {
        name: 'BoricaRequestError',
        path: 'documentsForSign.0.fileName',
      });
      assert.equal(fake.requests.length, 0);
    });

    it('stops empty or malformed path ids', async () => {
      await assert.rejects(borica.getIdentificationResult(''), {
        name: 'BoricaRequestError',
        path: 'callbackId',
      });
      await assert.rejects(borica.getWebIdentificationStatus('95; drop'), {
        name: 'BoricaRequestError',
        path: 'resultId',
      });
      await assert.rejects(borica.getSignedDocuments({ resultId: '109', signSessionId: '' }), {
        name: 'BoricaRequestError',
        path: 'signSessionId',
      });
      assert.equal(fake.requests.length, 0);
    });

    it('stops onlyMetadata with a process state other than CREATE_SIGN_SESSION_REQUEST', async () => {
      const path = {
        resultId: '95',
        processState: 'SIGN_SESSION',
        sessionId: 'x',
        onlyMetadata: true,
      } as const;

      await assert.rejects(borica.getWebIdentificationResults(path), {
        name: 'BoricaRequestError',
        path: 'onlyMetadata',
      });
      assert.equal(fake.requests.length, 0);
    });
  });

  describe('checks every answer against the contract', () => {
    it('names the path of the offending field', async () => {
      fake.answer({
        status: 200,
        json: { ...guide.identificationResponse, data: { callbackId: 'x', validity: 'tomorrow' } },
      });

      const error = await borica.identify(identification).catch((caught: unknown) => caught);

      assert.ok(error instanceof BoricaContractError);
      assert.equal(error.path, 'data.validity');
      assert.equal(error.operation, 'identification');
      assert.equal(error.retryable, false);
    });

    it('names the body when a success answer is not JSON', async () => {
      fake.answer({ status: 200, text: '<html>maintenance</html>', contentType: 'text/html; charset=utf-8' });

      const error = await borica.getRegistrationStatus('e9ed4675').catch((caught: unknown) => caught);

      assert.ok(error instanceof BoricaContractError);
      assert.equal(error.path, '(body)');
      assert.match(error.message, /text\/html/);
      assert.doesNotMatch(error.message, /maintenance/);
    });

    it('refuses a 206 whose status is not a progress state', async () => {
      fake.answer({ status: 206, json: { ...guide.identificationProgress, status: 'WAITING' } });

      await assert.rejects(borica.getIdentificationResult('a2c25bcd'), {
        name: 'BoricaContractError',
        path: 'status',
      });
    });
  });

  describe('turns error statuses into BoricaHttpError', () => {
    const cases = [
      { status: 400, body: guide.error400, retryable: false },
      { status: 401, body: guide.error401, retryable: false },
      { status: 404, body: guide.error404, retryable: false },
      { status: 500, body: guide.error500, retryable: true },
      { status: 403, body: guide.errorRejected, retryable: false },
    ];

    for (const { status, body, retryable } of cases) {
      it(`keeps BORICA's code on a ${status} and is ${retryable ? '' : 'not '}retryable`, async () => {
        fake.answer({ status, json: body });

        const error = await borica
          .startWebIdentification(guide.startWebIdentificationRequest)
          .catch((caught: unknown) => caught);

        assert.ok(error instanceof BoricaHttpError);
        assert.equal(error.status, status);
        assert.equal(error.code, body.code);
        assert.equal(error.boricaMessage, body.message);
        assert.equal(error.retryable, retryable);
        assert.match(error.message, new RegExp(`${status} ${body.code}`));
      });
    }

    it('still gives the status when the error body is not JSON', async () => {
      fake.answer({ status: 502, text: '<html>Bad Gateway</html>', contentType: 'text/html' });

      const error = await borica.getWebIdentificationStatus('95').catch((caught: unknown) => caught);

      assert.ok(error instanceof BoricaHttpError);
      assert.equal(error.status, 502);
      assert.equal(error.code, undefined);
      assert.equal(error.retryable, true);
    });
  });
});

describe('createBoricaClient configuration', () => {
  const tls = { cert: 'cert', key: 'key' };

  it('refuses a base URL that is not https, naming the option', () => {
    assert.throws(
      () => createBoricaClient({ baseUrl: 'http://127.0.0.1/signing-api/v2', relyingPartyId: '1', tls }),
      /baseUrl/,
    );
    assert.throws(() => createBoricaClient({ baseUrl: 'not a url', relyingPartyId: '1', tls }), /baseUrl/);
  });

  it('refuses a relying party ID that cannot be a header value', () => {
    assert.throws(
      () => createBoricaClient({ baseUrl: 'https://b.example/v2', relyingPartyId: '1\r\nx: y', tls }),
      /relyingPartyId/,
    );
  });

  it('refuses a timeout that is not a positive whole number', () => {
    assert.throws(
      () => createBoricaClient({ baseUrl: 'https://b.example/v2', relyingPartyId: '1', tls, timeoutMs: 0 }),
      /timeoutMs/,
    );
  });
});
