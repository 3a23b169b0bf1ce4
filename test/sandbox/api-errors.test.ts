import assert from 'node:assert/strict';
import { request as httpsRequest } from 'node:https';
import { describe, it } from 'node:test';
import { BoricaHttpError } from '../../borica/errors';
import { errorBody } from '../../borica/schemas';
import type { RunningSandbox } from '../../sandbox/index';
import { identificationRequest, rawApi, sandboxSuite } from './support';

const GUIDE = {
  BAD_REQUEST:
    'The request could not be understood by the server due to malformed syntax (invalid request parameters).',
  UNAUTHORIZED: 'The request is unauthorized.',
  NOT_FOUND: 'The server has not found the signed content.',
  ERROR:
    'Internal server error. The server encountered an unexpected condition which prevented it from fulfilling the request.',
};

/** Connects with only the CA, as a stranger without a client certificate would. */
function requestWithoutClientCertificate(sandbox: RunningSandbox): Promise<number> {
  return new Promise((resolve, reject) => {
    const request = httpsRequest(
      `${sandbox.apiBaseUrl}/identification/x`,
      { ca: sandbox.pki.caCertPem, headers: { relyingPartyID: sandbox.relyingPartyId } },
      (response) => {
        response.resume();
        resolve(response.statusCode ?? 0);
      },
    );
    request.on('error', reject);
    request.end();
  });
}

describe('sandbox API refusals', () => {
  const suite = sandboxSuite();

  it('refuses the TLS handshake of a client without a certificate', async () => {
    await assert.rejects(requestWithoutClientCertificate(suite.sandbox), (error: NodeJS.ErrnoException) => {
      assert.match(`${error.code} ${error.message}`, /certificate required|ECONNRESET|EPIPE|handshake/i);
      return true;
    });
  });

  it('answers 401 UNAUTHORIZED without the relyingPartyID header or with an unknown one', async () => {
    for (const headers of [{ relyingPartyID: '' }, { relyingPartyID: '999' }]) {
      const answer = await rawApi(suite.sandbox, 'POST', '/identification', {
        body: identificationRequest,
        headers,
      });
      assert.equal(answer.status, 401);
      assert.deepEqual(answer.body, { code: 'UNAUTHORIZED', message: GUIDE.UNAUTHORIZED });
    }
  });

  it('answers 400 BAD_REQUEST to malformed JSON and to a body that breaks the contract', async () => {
    for (const body of ['{not json', { ...identificationRequest, payer: 'CUSTOMER' }]) {
      const answer = await rawApi(suite.sandbox, 'POST', '/identification', { body });
      assert.equal(answer.status, 400);
      assert.deepEqual(answer.body, { code: 'BAD_REQUEST', message: GUIDE.BAD_REQUEST });
    }
  });

  it('answers 400 BAD_REQUEST to a malformed resultId, processState or onlyMetadata', async () => {
    for (const path of [
      '/identification/web/abc/status',
      '/identification/web/1/result/NOPE/x',
      '/identification/web/1/result/CREATE_SIGN_SESSION_REQUEST/x/maybe',
    ]) {
      const answer = await rawApi(suite.sandbox, 'GET', path);
      assert.equal(answer.status, 400, path);
      errorBody.parse(answer.body);
    }
  });

  it('answers 404 NOT_FOUND to unknown ids and unknown paths', async () => {
    for (const path of [
      '/identification/no-such-callback',
      '/identification/web/424242/status',
      '/no/such/operation',
    ]) {
      const answer = await rawApi(suite.sandbox, 'GET', path);
      assert.equal(answer.status, 404, path);
      assert.deepEqual(answer.body, { code: 'NOT_FOUND', message: GUIDE.NOT_FOUND });
    }
  });

  it('answers 500 ERROR for a burst of server errors, then recovers', async () => {
    suite.sandbox.control.setFaults({ serverErrorBurst: 2 });
    try {
      for (let attempt = 0; attempt < 2; attempt += 1) {
        const answer = await rawApi(suite.sandbox, 'POST', '/identification', {
          body: identificationRequest,
        });
        assert.equal(answer.status, 500);
        assert.deepEqual(answer.body, { code: 'ERROR', message: GUIDE.ERROR });
      }
      await assert.doesNotReject(suite.borica.identify(identificationRequest));
    } finally {
      suite.sandbox.control.resetFaults();
    }
  });

  it('answers every request with 500 at a server error rate of 1, and creates nothing billable', async () => {
    suite.sandbox.control.clearRequests();
    suite.sandbox.control.setFaults({ serverErrorRate: 1 });
    try {
      await assert.rejects(
        suite.borica.identify(identificationRequest),
        (error: unknown) => error instanceof BoricaHttpError && error.status === 500 && error.retryable,
      );
      assert.deepEqual(suite.sandbox.control.requests(), []);
    } finally {
      suite.sandbox.control.resetFaults();
    }
  });

  it('delays answers by the configured latency', async () => {
    suite.sandbox.control.setFaults({ latencyMs: 150 });
    try {
      const started = Date.now();
      await suite.borica.identify(identificationRequest);
      assert.ok(Date.now() - started >= 140);
    } finally {
      suite.sandbox.control.resetFaults();
    }
  });

  it('localises messages in Bulgarian when asked', async () => {
    const answer = await rawApi(suite.sandbox, 'GET', '/identification/x', {
      headers: { 'accept-language': 'bg' },
    });
    assert.equal((answer.body as { message: string }).message, 'Сървърът не откри търсеното съдържание.');
  });
});
