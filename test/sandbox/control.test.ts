import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { BoricaApi } from '../../borica/api';
import type { RunningSandbox } from '../../sandbox/index';
import {
  CallbackReceiver,
  clientFor,
  identificationRequest,
  logLines,
  rawApi,
  registrationRequest,
  startTestSandbox,
  startWebIdentification,
  web,
} from './support';

describe('sandbox control API', () => {
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

  it('plays the mobile customer over HTTP', async () => {
    const { data } = await borica.identify(identificationRequest);
    const answer = await web(`${sandbox.controlUrl}/mobile/${data.callbackId}/complete`, 'POST', {
      name: 'Petar Todorov',
    });
    assert.equal(answer.status, 200);
    assert.ok((await borica.getIdentificationResult(data.callbackId)).finished);
  });

  it('plays the web customer over HTTP and answers with the new status', async () => {
    const started = await startWebIdentification(borica, receiver.url());
    const answer = await web(`${sandbox.controlUrl}/web/${started.registration.sessionId}/deny`, 'POST', {});
    assert.deepEqual(answer.json(), {
      resultId: Number(started.resultId),
      status: 'IN_PROGRESS',
      step: 'WEB_IDV_REGISTRATION_FAILED',
      registration: { status: 'COMPLETED', reviewStatus: 'DENIED' },
    });
  });

  it('answers 404 for unknown ids, 409 for a second outcome and 400 for an unknown action', async () => {
    assert.equal((await web(`${sandbox.controlUrl}/web/unknown/complete`, 'POST', {})).status, 404);
    assert.equal((await web(`${sandbox.controlUrl}/sign/unknown/sign`, 'POST', {})).status, 404);

    const started = await startWebIdentification(borica, receiver.url());
    await web(`${sandbox.controlUrl}/web/${started.registration.sessionId}/cancel`, 'POST', {});
    const second = await web(
      `${sandbox.controlUrl}/web/${started.registration.sessionId}/complete`,
      'POST',
      {},
    );
    assert.equal(second.status, 409);
    assert.deepEqual(second.json(), { error: 'the identification is already canceled' });
    assert.equal(
      (await web(`${sandbox.controlUrl}/web/${started.registration.sessionId}/explode`, 'POST', {})).status,
      400,
    );
  });

  it('sets, shows and resets faults', async () => {
    const set = await web(`${sandbox.controlUrl}/faults`, 'PUT', {
      serverErrorBurst: 1,
      callbacks: { drop: 0.5 },
    });
    assert.deepEqual(set.json(), {
      serverErrorRate: 0,
      serverErrorBurst: 1,
      latencyMs: 0,
      callbacks: { drop: 0.5, duplicate: 0, delayMs: 0, reorder: false },
    });
    assert.equal((await rawApi(sandbox, 'GET', '/identification/x')).status, 500);
    assert.equal((await rawApi(sandbox, 'GET', '/identification/x')).status, 404);

    const reset = await web(`${sandbox.controlUrl}/faults`, 'DELETE');
    assert.equal((reset.json() as { callbacks: { drop: number } }).callbacks.drop, 0);
    assert.equal((await web(`${sandbox.controlUrl}/faults`, 'PUT', { serverErrorRate: 2 })).status, 400);
  });

  it('changes timings for requests created afterwards', async () => {
    const answer = await web(`${sandbox.controlUrl}/timings`, 'PUT', { registrationTtlMs: 5_000 });
    assert.equal((answer.json() as { registrationTtlMs: number }).registrationTtlMs, 5_000);
    try {
      const started = await borica.startWebIdentification({
        requestCallbackUrl: receiver.url(),
        identificationReason: 'x',
      });
      const registration = await borica.createRegistration(started.data.webSessionId, registrationRequest);
      assert.equal(Date.parse(registration.expiredOn) - Date.parse(registration.createdOn), 5_000);
    } finally {
      await web(`${sandbox.controlUrl}/timings`, 'PUT', { registrationTtlMs: 3_600_000 });
    }
    assert.equal((await web(`${sandbox.controlUrl}/timings`, 'PUT', { nonsense: 1 })).status, 400);
  });

  it('completes web identifications on autopilot', async () => {
    await web(`${sandbox.controlUrl}/autopilot`, 'PUT', { web: { outcome: 'complete', afterMs: 0 } });
    try {
      const started = await startWebIdentification(borica, receiver.url());
      await sandbox.control.settled();
      assert.equal(
        (await borica.getWebIdentificationStatus(started.resultId)).data.status,
        'CREATE_SIGN_SESSION_REQUEST',
      );
    } finally {
      await web(`${sandbox.controlUrl}/autopilot`, 'PUT', { web: { outcome: 'none' } });
    }
  });

  it('lists billable requests with the callback token cut off, and clears them', async () => {
    await web(`${sandbox.controlUrl}/requests`, 'DELETE');
    await borica.startWebIdentification({
      requestCallbackUrl: receiver.url('wf-7'),
      identificationReason: 'x',
    });

    const { requests } = (await web(`${sandbox.controlUrl}/requests`)).json() as {
      requests: { operation: string; key: string; at: string }[];
    };
    assert.equal(requests.length, 1);
    assert.equal(requests[0]?.operation, 'startWebIdentification');
    assert.equal(requests[0]?.key, receiver.url('wf-7').replace('/secret-token', ''));
    assert.ok(!Number.isNaN(Date.parse(requests[0]?.at ?? '')));
  });

  it('lists callback deliveries', async () => {
    await web(`${sandbox.controlUrl}/callbacks`, 'DELETE');
    const started = await startWebIdentification(borica, receiver.url());
    await sandbox.control.web(started.registration.sessionId, 'complete');
    await sandbox.control.settled();

    const { callbacks } = (await web(`${sandbox.controlUrl}/callbacks`)).json() as { callbacks: unknown[] };
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
    await sandbox.control.settled();
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
