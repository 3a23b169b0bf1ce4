import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  identificationRequest,
  logLines,
  rawApi,
  registrationRequest,
  sandboxSuite,
  startWebIdentification,
  web,
} from './support';

describe('sandbox control API', () => {
  const suite = sandboxSuite();

  it('plays the mobile customer over HTTP', async () => {
    const { data } = await suite.borica.identify(identificationRequest);
    const answer = await web(`${suite.sandbox.controlUrl}/mobile/${data.callbackId}/complete`, 'POST', {
      name: 'Petar Todorov',
    });
    assert.equal(answer.status, 200);
    assert.ok((await suite.borica.getIdentificationResult(data.callbackId)).finished);
  });

  it('plays the web customer over HTTP and answers with the new status', async () => {
    const started = await startWebIdentification(suite.borica, suite.receiver.url());
    const answer = await web(
      `${suite.sandbox.controlUrl}/web/${started.registration.sessionId}/deny`,
      'POST',
      {},
    );
    assert.deepEqual(answer.json(), {
      resultId: Number(started.resultId),
      status: 'IN_PROGRESS',
      step: 'WEB_IDV_REGISTRATION_FAILED',
      registration: { status: 'COMPLETED', reviewStatus: 'DENIED' },
    });
  });

  it('answers 404 for unknown ids, 409 for a second outcome and 400 for an unknown action', async () => {
    assert.equal((await web(`${suite.sandbox.controlUrl}/web/unknown/complete`, 'POST', {})).status, 404);
    assert.equal((await web(`${suite.sandbox.controlUrl}/sign/unknown/sign`, 'POST', {})).status, 404);

    const started = await startWebIdentification(suite.borica, suite.receiver.url());
    await web(`${suite.sandbox.controlUrl}/web/${started.registration.sessionId}/cancel`, 'POST', {});
    const second = await web(
      `${suite.sandbox.controlUrl}/web/${started.registration.sessionId}/complete`,
      'POST',
      {},
    );
    assert.equal(second.status, 409);
    assert.deepEqual(second.json(), { error: 'the identification is already canceled' });
    assert.equal(
      (await web(`${suite.sandbox.controlUrl}/web/${started.registration.sessionId}/explode`, 'POST', {}))
        .status,
      400,
    );
  });

  it('sets, shows and resets faults', async () => {
    const set = await web(`${suite.sandbox.controlUrl}/faults`, 'PUT', {
      serverErrorBurst: 1,
      callbacks: { drop: 0.5 },
    });
    assert.deepEqual(set.json(), {
      serverErrorRate: 0,
      serverErrorBurst: 1,
      latencyMs: 0,
      callbacks: { drop: 0.5, duplicate: 0, delayMs: 0, reorder: false },
    });
    assert.equal((await rawApi(suite.sandbox, 'GET', '/identification/x')).status, 500);
    assert.equal((await rawApi(suite.sandbox, 'GET', '/identification/x')).status, 404);

    const reset = await web(`${suite.sandbox.controlUrl}/faults`, 'DELETE');
    assert.equal((reset.json() as { callbacks: { drop: number } }).callbacks.drop, 0);
    assert.equal(
      (await web(`${suite.sandbox.controlUrl}/faults`, 'PUT', { serverErrorRate: 2 })).status,
      400,
    );
  });

  it('changes timings for requests created afterwards', async () => {
    const answer = await web(`${suite.sandbox.controlUrl}/timings`, 'PUT', { registrationTtlMs: 5_000 });
    assert.equal((answer.json() as { registrationTtlMs: number }).registrationTtlMs, 5_000);
    try {
      const started = await suite.borica.startWebIdentification({
        requestCallbackUrl: suite.receiver.url(),
        identificationReason: 'x',
      });
      const registration = await suite.borica.createRegistration(
        started.data.webSessionId,
        registrationRequest,
      );
      assert.equal(Date.parse(registration.expiredOn) - Date.parse(registration.createdOn), 5_000);
    } finally {
      await web(`${suite.sandbox.controlUrl}/timings`, 'PUT', { registrationTtlMs: 3_600_000 });
    }
    assert.equal((await web(`${suite.sandbox.controlUrl}/timings`, 'PUT', { nonsense: 1 })).status, 400);
  });

  it('completes web identifications on autopilot', async () => {
    await web(`${suite.sandbox.controlUrl}/autopilot`, 'PUT', { web: { outcome: 'complete', afterMs: 0 } });
    try {
      const started = await startWebIdentification(suite.borica, suite.receiver.url());
      await suite.sandbox.control.settled();
      assert.equal(
        (await suite.borica.getWebIdentificationStatus(started.resultId)).data.status,
        'CREATE_SIGN_SESSION_REQUEST',
      );
    } finally {
      await web(`${suite.sandbox.controlUrl}/autopilot`, 'PUT', { web: { outcome: 'none' } });
    }
  });

  it('lists billable requests with the callback token cut off, and clears them', async () => {
    await web(`${suite.sandbox.controlUrl}/requests`, 'DELETE');
    await suite.borica.startWebIdentification({
      requestCallbackUrl: suite.receiver.url('wf-7'),
      identificationReason: 'x',
    });

    const { requests } = (await web(`${suite.sandbox.controlUrl}/requests`)).json() as {
      requests: { operation: string; key: string; at: string }[];
    };
    assert.equal(requests.length, 1);
    assert.equal(requests[0]?.operation, 'startWebIdentification');
    assert.equal(requests[0]?.key, suite.receiver.url('wf-7').replace('/secret-token', ''));
    assert.ok(!Number.isNaN(Date.parse(requests[0]?.at ?? '')));
  });

  it('lists callback deliveries', async () => {
    await web(`${suite.sandbox.controlUrl}/callbacks`, 'DELETE');
    const started = await startWebIdentification(suite.borica, suite.receiver.url());
    await suite.sandbox.control.web(started.registration.sessionId, 'complete');
    await suite.sandbox.control.settled();

    const { callbacks } = (await web(`${suite.sandbox.controlUrl}/callbacks`)).json() as {
      callbacks: unknown[];
    };
    assert.deepEqual(callbacks, [
      {
        processState: 'CREATE_SIGN_SESSION_REQUEST',
        resultId: started.resultId,
        status: 'delivered',
        httpStatus: 200,
        attempts: 1,
      },
    ]);
  });

  it('writes no personal data, document or callback token to its log', async () => {
    await suite.sandbox.control.settled();
    assert.ok(logLines.length > 0);
    const log = logLines.join('\n');
    for (const secret of [
      '7805166742',
      '16-05-1978',
      '+359888133443',
      'customer@example.com',
      'Petar Todorov',
      'secret-token',
      'JVBERi',
    ]) {
      assert.ok(!log.includes(secret), `the log mentions ${secret}`);
    }
  });
});
