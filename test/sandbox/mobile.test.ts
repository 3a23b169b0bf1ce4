import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { PDFDocument } from 'pdf-lib';
import { BoricaHttpError } from '../../borica/errors';
import { errorBody, identificationProgress, identificationResponse } from '../../borica/schemas';
import { identificationRequest, rawApi, sandboxSuite } from './support';

const sleep = (ms: number) => new Promise((wake) => setTimeout(wake, ms));

describe('sandbox B-Trust MOBILE identification', () => {
  const suite = sandboxSuite({ timings: { mobileProgressMs: 60_000 } });

  it('starts ON_BOARDING', async () => {
    const { data } = await suite.borica.identify(identificationRequest);
    const poll = await suite.borica.getIdentificationResult(data.callbackId);
    assert.equal(poll.finished ? 'FINISHED' : poll.progress.status, 'ON_BOARDING');
  });

  it('goes IN_PROGRESS after the onboarding time, then FINISHED with an eID certificate', async () => {
    suite.sandbox.control.setTimings({ mobileProgressMs: 30 });
    const { data } = await suite.borica.identify(identificationRequest);
    suite.sandbox.control.setTimings({ mobileProgressMs: 60_000 });
    await sleep(60);
    const running = await suite.borica.getIdentificationResult(data.callbackId);
    assert.equal(running.finished ? 'FINISHED' : running.progress.status, 'IN_PROGRESS');

    await suite.sandbox.control.mobile(data.callbackId, 'complete');
    const final = await suite.borica.getIdentificationResult(data.callbackId);
    assert.ok(final.finished);
    assert.equal(final.result.data.identification_reason, identificationRequest.identificationReason);
    assert.match(final.result.data.identifier, /^[0-9a-f]{64}$/);

    const certificate = await PDFDocument.load(Buffer.from(final.result.data.content, 'base64'));
    assert.equal(certificate.getTitle(), 'Electronic identity certificate');
  });

  it('answers 206 with the status while running and 403 REJECTED once the customer rejects', async () => {
    const { data } = await suite.borica.identify(identificationRequest);
    const running = await rawApi(suite.sandbox, 'GET', `/identification/${data.callbackId}`);
    assert.equal(running.status, 206);
    identificationProgress.parse(running.body);

    await suite.sandbox.control.mobile(data.callbackId, 'reject');
    const rejected = await rawApi(suite.sandbox, 'GET', `/identification/${data.callbackId}`);
    assert.equal(rejected.status, 403);
    assert.deepEqual(rejected.body, { data: null, code: 'REJECTED', message: 'The request is rejected.' });
    errorBody.parse(rejected.body);
  });

  it('accepts the EGN as a JSON number, as the guide sends it', async () => {
    const body = {
      ...identificationRequest,
      personIdentityData: { ...identificationRequest.personIdentityData, identificatorValue: 7805166742 },
    };
    const answer = await rawApi(suite.sandbox, 'POST', '/identification', { body });
    assert.equal(answer.status, 200);
    identificationResponse.parse(answer.body);
  });

  it('answers 404 after the validity, even for a finished identification', async () => {
    suite.sandbox.control.setTimings({ mobileValidityMs: 500 });
    try {
      const { data } = await suite.borica.identify(identificationRequest);
      await suite.sandbox.control.mobile(data.callbackId, 'complete');
      await sleep(600);
      await assert.rejects(
        suite.borica.getIdentificationResult(data.callbackId),
        (error: unknown) => error instanceof BoricaHttpError && error.status === 404,
      );
      await assert.rejects(suite.sandbox.control.mobile(data.callbackId, 'reject'), /validity/);
    } finally {
      suite.sandbox.control.setTimings({ mobileValidityMs: 600_000 });
    }
  });

  it('completes on its own when the autopilot says so', async () => {
    suite.sandbox.control.setAutopilot({ mobile: { outcome: 'complete', afterMs: 0 } });
    try {
      const { data } = await suite.borica.identify(identificationRequest);
      await suite.sandbox.control.settled();
      assert.ok((await suite.borica.getIdentificationResult(data.callbackId)).finished);
    } finally {
      suite.sandbox.control.setAutopilot({ mobile: { outcome: 'none' } });
    }
  });

  it('refuses a second outcome for the same identification', async () => {
    const { data } = await suite.borica.identify(identificationRequest);
    await suite.sandbox.control.mobile(data.callbackId, 'reject');
    await assert.rejects(suite.sandbox.control.mobile(data.callbackId, 'complete'), /already rejected/);
  });

  it('records every identification as a billable request keyed by its reason', async () => {
    suite.sandbox.control.clearRequests();
    await suite.borica.identify({ ...identificationRequest, identificationReason: 'Loan 42' });
    assert.deepEqual(
      suite.sandbox.control.requests().map(({ operation, key }) => ({ operation, key })),
      [{ operation: 'identification', key: 'Loan 42' }],
    );
  });
});
