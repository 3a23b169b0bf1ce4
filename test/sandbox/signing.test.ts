import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { BoricaHttpError } from '../../borica/errors';
import { callbackBody, startSignSessionResponse } from '../../borica/schemas';
import { identifiedCustomer, rawApi, sandboxSuite, signRequest } from './support';

const isHttp = (status: number) => (error: unknown) =>
  error instanceof BoricaHttpError && error.status === status;
const tokenOf = (clientDocumentUrl: string) => clientDocumentUrl.split('/').pop() ?? '';

describe('sandbox OTC signing', () => {
  const suite = sandboxSuite();

  it('signs in several rounds within one sign session, each with its callback and documents', async () => {
    const customer = await identifiedCustomer(suite.sandbox, suite.borica, suite.receiver.url('onboard'));
    await suite.sandbox.control.settled();

    for (const round of [1, 2]) {
      const started = await suite.borica.startSignSession(await signRequest(customer));
      const resultId = started.data.resultId;
      assert.ok(
        started.data.clientDocumentUrl.startsWith(`${suite.sandbox.identificationUrl}/documents/`),
        `round ${round}`,
      );
      assert.deepEqual((await suite.borica.getWebIdentificationStatus(resultId)).data, {
        status: 'SIGNING_CLIENT_DOCUMENT',
        step: 'OTP',
      });
      await assert.rejects(
        suite.borica.getSignedDocuments({ resultId, signSessionId: customer.signSessionId }),
        isHttp(404),
      );

      await suite.sandbox.control.settled();

      const before = suite.receiver.received.length;
      await suite.sandbox.control.sign(tokenOf(started.data.clientDocumentUrl), 'sign');
      assert.deepEqual((await suite.borica.getWebIdentificationStatus(resultId)).data, {
        status: 'SIGNED_CLIENT_DOCUMENT',
        step: 'SIGNING_WITH_SIGN_SESSION_SUCCESS',
      });

      const [callback] = (await suite.receiver.waitFor(before + 1)).slice(before);
      assert.equal(callback?.path, '/callbacks/onboard/secret-token');
      const body = callbackBody.parse(callback?.body);
      assert.deepEqual(
        [body.data.processState, body.data.sessionId, body.data.resultId],
        ['SIGN_SESSION', customer.signSessionId, resultId],
      );
      assert.equal(
        typeof (callback?.body as { data: { resultId: unknown } } | undefined)?.data.resultId,
        'number',
      );

      const signed = await suite.borica.getSignedDocuments({
        resultId,
        signSessionId: customer.signSessionId,
      });
      assert.equal(signed.data.signDocuments.length, 1);
      assert.equal(signed.data.signDocuments[0]?.filename, 'contract.pdf');
      assert.equal(signed.data.clientIdentifier, customer.identifier);
      assert.match(
        Buffer.from(signed.data.signDocuments[0]?.contentAsBase64 ?? '', 'base64').toString('latin1'),
        /\/ByteRange \[/,
      );
    }
  });

  it('reports a refusal as PROCESS_IS_CANCELED_BY_USER/LOGIN with a callback', async () => {
    const customer = await identifiedCustomer(suite.sandbox, suite.borica, suite.receiver.url('refuse'));
    const started = await suite.borica.startSignSession(await signRequest(customer));
    await suite.sandbox.control.settled();

    await suite.sandbox.control.settled();

    const before = suite.receiver.received.length;
    await suite.sandbox.control.sign(tokenOf(started.data.clientDocumentUrl), 'refuse');
    assert.deepEqual((await suite.borica.getWebIdentificationStatus(started.data.resultId)).data, {
      status: 'PROCESS_IS_CANCELED_BY_USER',
      step: 'LOGIN',
    });
    const body = callbackBody.parse((await suite.receiver.waitFor(before + 1))[before]?.body);
    assert.deepEqual(
      [body.data.processState, body.data.sessionId],
      ['PROCESS_IS_CANCELED_BY_USER', customer.signSessionId],
    );
    await assert.rejects(
      suite.borica.getSignedDocuments({
        resultId: started.data.resultId,
        signSessionId: customer.signSessionId,
      }),
      isHttp(404),
    );
  });

  it('accepts the doubled slash the guide prints in the sign-session URL', async () => {
    const customer = await identifiedCustomer(suite.sandbox, suite.borica, suite.receiver.url());
    const answer = await rawApi(suite.sandbox, 'POST', '//identification/web/signsession/start', {
      body: await signRequest(customer),
    });
    assert.equal(answer.status, 200);
    startSignSessionResponse.parse(answer.body);
  });

  it('refuses an unknown identifier and sign session pair with 404', async () => {
    const customer = await identifiedCustomer(suite.sandbox, suite.borica, suite.receiver.url());
    await assert.rejects(
      suite.borica.startSignSession(await signRequest({ ...customer, identifier: 'f'.repeat(64) })),
      isHttp(404),
    );
    await assert.rejects(
      suite.borica.startSignSession(await signRequest({ ...customer, signSessionId: 'unknown' })),
      isHttp(404),
    );
  });

  it('refuses documents that are not PDFs, or a signature past the last page, with 400', async () => {
    const customer = await identifiedCustomer(suite.sandbox, suite.borica, suite.receiver.url());
    const request = await signRequest(customer);
    const [document] = request.documentsForSign;
    assert.ok(document?.signaturePosition);

    const notPdf = { ...document, contentAsBase64: Buffer.from('hello').toString('base64') };
    await assert.rejects(
      suite.borica.startSignSession({ ...request, documentsForSign: [notPdf] }),
      isHttp(400),
    );
    const pastEnd = { ...document, signaturePosition: { ...document.signaturePosition, pageNumber: 9 } };
    await assert.rejects(
      suite.borica.startSignSession({ ...request, documentsForSign: [pastEnd] }),
      isHttp(400),
    );
  });

  it('refuses to start signing once the sign session has expired', async () => {
    suite.sandbox.control.setTimings({ signSessionTtlMs: 30 });
    try {
      const customer = await identifiedCustomer(suite.sandbox, suite.borica, suite.receiver.url());
      await new Promise((wake) => setTimeout(wake, 60));
      await assert.rejects(suite.borica.startSignSession(await signRequest(customer)), isHttp(404));
    } finally {
      suite.sandbox.control.setTimings({ signSessionTtlMs: 86_400_000 });
    }
  });

  it('refuses to sign once the document URL has expired', async () => {
    const customer = await identifiedCustomer(suite.sandbox, suite.borica, suite.receiver.url());
    const started = await suite.borica.startSignSession(await signRequest(customer));
    const token = tokenOf(started.data.clientDocumentUrl);
    await suite.sandbox.control.sign(token, 'expire');
    await assert.rejects(suite.sandbox.control.sign(token, 'sign'), /expired/);
  });

  it('signs on its own when the autopilot says so', async () => {
    const customer = await identifiedCustomer(suite.sandbox, suite.borica, suite.receiver.url());
    suite.sandbox.control.setAutopilot({ sign: { outcome: 'sign', afterMs: 0 } });
    try {
      const started = await suite.borica.startSignSession(await signRequest(customer));
      await suite.sandbox.control.settled();
      const signed = await suite.borica.getSignedDocuments({
        resultId: started.data.resultId,
        signSessionId: customer.signSessionId,
      });
      assert.equal(signed.data.signDocuments.length, 1);
    } finally {
      suite.sandbox.control.setAutopilot({ sign: { outcome: 'none' } });
    }
  });

  it('records each sign-session start as a billable request keyed by the sign session', async () => {
    const customer = await identifiedCustomer(suite.sandbox, suite.borica, suite.receiver.url());
    suite.sandbox.control.clearRequests();
    await suite.borica.startSignSession(await signRequest(customer));
    assert.deepEqual(
      suite.sandbox.control.requests().map(({ operation, key }) => ({ operation, key })),
      [{ operation: 'startSignSession', key: customer.signSessionId }],
    );
  });
});
