import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { BoricaApi } from '../../borica/api';
import { BoricaHttpError } from '../../borica/errors';
import { callbackBody, startSignSessionResponse } from '../../borica/schemas';
import type { RunningSandbox } from '../../sandbox/index';
import {
  CallbackReceiver,
  clientFor,
  identifiedCustomer,
  rawApi,
  signRequest,
  startTestSandbox,
} from './support';

const isHttp = (status: number) => (error: unknown) =>
  error instanceof BoricaHttpError && error.status === status;
const tokenOf = (clientDocumentUrl: string) => clientDocumentUrl.split('/').pop() ?? '';

describe('sandbox OTC signing', () => {
  let sandbox: RunningSandbox;
  let borica: BoricaApi;
  let receiver: CallbackReceiver;

  before(async () => {
    sandbox = await startTestSandbox();
    borica = clientFor(sandbox);
    receiver = await CallbackReceiver.start();
  });

  after(async () => {
    await borica.close();
    await sandbox.close();
    await receiver.close();
  });

  it('signs in several rounds within one sign session, each with its callback and documents', async () => {
    const customer = await identifiedCustomer(sandbox, borica, receiver.url('onboard'));
    await sandbox.control.settled();

    for (const round of [1, 2]) {
      const started = await borica.startSignSession(await signRequest(customer));
      const resultId = started.data.resultId;
      assert.ok(
        started.data.clientDocumentUrl.startsWith(`${sandbox.identificationUrl}/documents/`),
        `round ${round}`,
      );
      assert.deepEqual((await borica.getWebIdentificationStatus(resultId)).data, {
        status: 'SIGNING_CLIENT_DOCUMENT',
        step: 'OTP',
      });
      await assert.rejects(
        borica.getSignedDocuments({ resultId, signSessionId: customer.signSessionId }),
        isHttp(404),
      );

      await sandbox.control.settled();

      const before = receiver.received.length;
      await sandbox.control.sign(tokenOf(started.data.clientDocumentUrl), 'sign');
      assert.deepEqual((await borica.getWebIdentificationStatus(resultId)).data, {
        status: 'SIGNED_CLIENT_DOCUMENT',
        step: 'SIGNING_WITH_SIGN_SESSION_SUCCESS',
      });

      const [callback] = (await receiver.waitFor(before + 1)).slice(before);
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

      const signed = await borica.getSignedDocuments({ resultId, signSessionId: customer.signSessionId });
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
    const customer = await identifiedCustomer(sandbox, borica, receiver.url('refuse'));
    const started = await borica.startSignSession(await signRequest(customer));
    await sandbox.control.settled();

    await sandbox.control.settled();

    const before = receiver.received.length;
    await sandbox.control.sign(tokenOf(started.data.clientDocumentUrl), 'refuse');
    assert.deepEqual((await borica.getWebIdentificationStatus(started.data.resultId)).data, {
      status: 'PROCESS_IS_CANCELED_BY_USER',
      step: 'LOGIN',
    });
    const body = callbackBody.parse((await receiver.waitFor(before + 1))[before]?.body);
    assert.deepEqual(
      [body.data.processState, body.data.sessionId],
      ['PROCESS_IS_CANCELED_BY_USER', customer.signSessionId],
    );
    await assert.rejects(
      borica.getSignedDocuments({ resultId: started.data.resultId, signSessionId: customer.signSessionId }),
      isHttp(404),
    );
  });

  it('accepts the doubled slash the guide prints in the sign-session URL', async () => {
    const customer = await identifiedCustomer(sandbox, borica, receiver.url());
    const answer = await rawApi(sandbox, 'POST', '//identification/web/signsession/start', {
      body: await signRequest(customer),
    });
    assert.equal(answer.status, 200);
    startSignSessionResponse.parse(answer.body);
  });

  it('refuses an unknown identifier and sign session pair with 404', async () => {
    const customer = await identifiedCustomer(sandbox, borica, receiver.url());
    await assert.rejects(
      borica.startSignSession(await signRequest({ ...customer, identifier: 'f'.repeat(64) })),
      isHttp(404),
    );
    await assert.rejects(
      borica.startSignSession(await signRequest({ ...customer, signSessionId: 'unknown' })),
      isHttp(404),
    );
  });

  it('refuses documents that are not PDFs, or a signature past the last page, with 400', async () => {
    const customer = await identifiedCustomer(sandbox, borica, receiver.url());
    const request = await signRequest(customer);
    const [document] = request.documentsForSign;
    assert.ok(document?.signaturePosition);

    const notPdf = { ...document, contentAsBase64: Buffer.from('hello').toString('base64') };
    await assert.rejects(borica.startSignSession({ ...request, documentsForSign: [notPdf] }), isHttp(400));
    const pastEnd = { ...document, signaturePosition: { ...document.signaturePosition, pageNumber: 9 } };
    await assert.rejects(borica.startSignSession({ ...request, documentsForSign: [pastEnd] }), isHttp(400));
  });

  it('refuses to start signing once the sign session has expired', async () => {
    sandbox.control.setTimings({ signSessionTtlMs: 30 });
    try {
      const customer = await identifiedCustomer(sandbox, borica, receiver.url());
      await new Promise((wake) => setTimeout(wake, 60));
      await assert.rejects(borica.startSignSession(await signRequest(customer)), isHttp(404));
    } finally {
      sandbox.control.setTimings({ signSessionTtlMs: 86_400_000 });
    }
  });

  it('refuses to sign once the document URL has expired', async () => {
    const customer = await identifiedCustomer(sandbox, borica, receiver.url());
    const started = await borica.startSignSession(await signRequest(customer));
    const token = tokenOf(started.data.clientDocumentUrl);
    await sandbox.control.sign(token, 'expire');
    await assert.rejects(sandbox.control.sign(token, 'sign'), /expired/);
  });

  it('signs on its own when the autopilot says so', async () => {
    const customer = await identifiedCustomer(sandbox, borica, receiver.url());
    sandbox.control.setAutopilot({ sign: { outcome: 'sign', afterMs: 0 } });
    try {
      const started = await borica.startSignSession(await signRequest(customer));
      await sandbox.control.settled();
      const signed = await borica.getSignedDocuments({
        resultId: started.data.resultId,
        signSessionId: customer.signSessionId,
      });
      assert.equal(signed.data.signDocuments.length, 1);
    } finally {
      sandbox.control.setAutopilot({ sign: { outcome: 'none' } });
    }
  });

  it('records each sign-session start as a billable request keyed by the sign session', async () => {
    const customer = await identifiedCustomer(sandbox, borica, receiver.url());
    sandbox.control.clearRequests();
    await borica.startSignSession(await signRequest(customer));
    assert.deepEqual(
      sandbox.control.requests().map(({ operation, key }) => ({ operation, key })),
      [{ operation: 'startSignSession', key: customer.signSessionId }],
    );
  });
});
