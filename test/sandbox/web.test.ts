import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { BoricaHttpError } from '../../borica/errors';
import { callbackBody, createRegistrationResponse, registrationStatusResponse } from '../../borica/schemas';
import { rawApi, registrationRequest, sandboxSuite, startWebIdentification } from './support';

const sleep = (ms: number) => new Promise((wake) => setTimeout(wake, ms));

describe('sandbox web identification', () => {
  const suite = sandboxSuite();

  const status = async (resultId: string) => (await suite.borica.getWebIdentificationStatus(resultId)).data;
  const registrationOf = async (registrationId: string) => suite.borica.getRegistrationStatus(registrationId);

  it('walks START, WEB_IDV_REGISTRATION, ON_BOARDING and completion with a callback and a result', async () => {
    const started = await suite.borica.startWebIdentification({
      requestCallbackUrl: suite.receiver.url('complete'),
      identificationReason: 'Opening an account',
    });
    const resultId = started.data.resultId;
    assert.deepEqual(await status(resultId), { status: 'START_WEB_SESSION', step: 'START' });

    const registration = await suite.borica.createRegistration(
      started.data.webSessionId,
      registrationRequest,
    );
    assert.equal(registration.otcRequestId, started.data.webSessionId);
    assert.equal(registration.serviceName, `OTC_RELIVING_PARTY_${suite.sandbox.relyingPartyId}`);
    assert.deepEqual(await status(resultId), { status: 'START_WEB_SESSION', step: 'WEB_IDV_REGISTRATION' });
    assert.deepEqual(
      await registrationOf(registration.registrationId).then((r) => [r.status, r.reviewStatus]),
      ['STARTED', 'N_A'],
    );

    await suite.sandbox.control.web(registration.sessionId, 'open');
    assert.deepEqual(await status(resultId), { status: 'ON_BOARDING', step: 'WEB_IDV_REGISTRATION' });

    await suite.sandbox.control.settled();

    const before = suite.receiver.received.length;
    await suite.sandbox.control.web(registration.sessionId, 'complete', { name: 'Ivan Georgiev' });
    assert.deepEqual(await status(resultId), {
      status: 'CREATE_SIGN_SESSION_REQUEST',
      step: 'SIGN_SESSION_ID_SUCCESSFULLY_CREATED',
    });
    assert.deepEqual(
      await registrationOf(registration.registrationId).then((r) => [r.status, r.reviewStatus]),
      ['FINALIZED', 'ALLOWED'],
    );

    const [callback] = (await suite.receiver.waitFor(before + 1)).slice(before);
    const body = callbackBody.parse(callback?.body);
    assert.equal(callback?.path, '/callbacks/complete/secret-token');
    assert.equal(body.data.processState, 'CREATE_SIGN_SESSION_REQUEST');
    assert.equal(body.data.sessionId, started.data.webSessionId);
    assert.equal(body.data.resultId, resultId);
    assert.equal(
      typeof (callback?.body as { data: { resultId: unknown } } | undefined)?.data.resultId,
      'string',
    );
    assert.equal(
      typeof (callback?.body as { relyingPartyId: unknown } | undefined)?.relyingPartyId,
      'number',
    );

    const result = await suite.borica.getWebIdentificationResults({
      resultId,
      processState: 'CREATE_SIGN_SESSION_REQUEST',
      sessionId: started.data.webSessionId,
    });
    assert.ok(result.data.eIDDocAsBase64?.startsWith('JVBERi'));
    assert.match(result.data.clientIdentifier, /^[0-9a-f]{64}$/);
    assert.match(result.data.signSessionId, /^[0-9a-f-]{36}$/);

    const metadata = await suite.borica.getWebIdentificationResults({
      resultId,
      processState: 'CREATE_SIGN_SESSION_REQUEST',
      sessionId: started.data.webSessionId,
      onlyMetadata: true,
    });
    assert.equal(metadata.data.eIDDocAsBase64, undefined);
    assert.equal(metadata.data.signSessionId, result.data.signSessionId);
  });

  it('gives the same person the same client identifier in every identification', async () => {
    const identifierOf = async () => {
      const started = await startWebIdentification(suite.borica, suite.receiver.url());
      await suite.sandbox.control.web(started.registration.sessionId, 'complete', {
        name: 'Elena Dimitrova',
      });
      const result = await suite.borica.getWebIdentificationResults({
        resultId: started.resultId,
        processState: 'CREATE_SIGN_SESSION_REQUEST',
        sessionId: started.webSessionId,
        onlyMetadata: true,
      });
      return result.data.clientIdentifier;
    };
    assert.equal(await identifierOf(), await identifierOf());
  });

  it('reports a cancel by the customer with a callback while the registration stays STARTED', async () => {
    const started = await startWebIdentification(suite.borica, suite.receiver.url('cancel'));
    await suite.sandbox.control.settled();
    const before = suite.receiver.received.length;
    await suite.sandbox.control.web(started.registration.sessionId, 'cancel');

    assert.deepEqual(await status(started.resultId), {
      status: 'PROCESS_IS_CANCELED_BY_USER',
      step: 'WEB_IDV_REGISTRATION',
    });
    const registration = await registrationOf(started.registration.registrationId);
    assert.deepEqual([registration.status, registration.reviewStatus], ['STARTED', 'N_A']);
    const [callback] = (await suite.receiver.waitFor(before + 1)).slice(before);
    assert.equal(callbackBody.parse(callback?.body).data.processState, 'PROCESS_IS_CANCELED_BY_USER');
  });

  it('reports a failed video identification as REJECTED with an IN_PROGRESS callback', async () => {
    const started = await startWebIdentification(suite.borica, suite.receiver.url('reject'));
    await suite.sandbox.control.settled();
    const before = suite.receiver.received.length;
    await suite.sandbox.control.web(started.registration.sessionId, 'reject');

    assert.deepEqual(await status(started.resultId), {
      status: 'IN_PROGRESS',
      step: 'WEB_IDV_REGISTRATION_FAILED',
    });
    const registration = await registrationOf(started.registration.registrationId);
    assert.deepEqual([registration.status, registration.reviewStatus], ['REJECTED', 'N_A']);
    const body = callbackBody.parse((await suite.receiver.waitFor(before + 1))[before]?.body);
    assert.deepEqual([body.code, body.data.processState], ['REJECTED', 'IN_PROGRESS']);
  });

  it("reports an operator's denial as COMPLETED/DENIED", async () => {
    const started = await startWebIdentification(suite.borica, suite.receiver.url('deny'));
    await suite.sandbox.control.settled();
    const before = suite.receiver.received.length;
    await suite.sandbox.control.web(started.registration.sessionId, 'deny');

    assert.deepEqual(await status(started.resultId), {
      status: 'IN_PROGRESS',
      step: 'WEB_IDV_REGISTRATION_FAILED',
    });
    const registration = await registrationOf(started.registration.registrationId);
    assert.deepEqual([registration.status, registration.reviewStatus], ['COMPLETED', 'DENIED']);
    assert.ok(registration.reviewedOn);
    const body = callbackBody.parse((await suite.receiver.waitFor(before + 1))[before]?.body);
    assert.deepEqual([body.code, body.data.processState], ['REJECTED', 'IN_PROGRESS']);
  });

  it('has no result to download before the identification completes', async () => {
    const started = await startWebIdentification(suite.borica, suite.receiver.url());
    await assert.rejects(
      suite.borica.getWebIdentificationResults({
        resultId: started.resultId,
        processState: 'CREATE_SIGN_SESSION_REQUEST',
        sessionId: started.webSessionId,
      }),
      (error: unknown) =>
        error instanceof BoricaHttpError && error.status === 404 && error.code === 'NOT_FOUND',
    );
  });

  it('expires a registration nobody finished, and refuses to complete it afterwards', async () => {
    const started = await startWebIdentification(suite.borica, suite.receiver.url());
    await suite.sandbox.control.web(started.registration.sessionId, 'expire');

    const registration = await registrationOf(started.registration.registrationId);
    assert.equal(registration.status, 'EXPIRED');
    await assert.rejects(suite.sandbox.control.web(started.registration.sessionId, 'complete'), /expired/);
  });

  it('expires a registration on its own when its time is up', async () => {
    suite.sandbox.control.setTimings({ registrationTtlMs: 30 });
    try {
      const started = await startWebIdentification(suite.borica, suite.receiver.url());
      await sleep(60);
      assert.equal((await registrationOf(started.registration.registrationId)).status, 'EXPIRED');
    } finally {
      suite.sandbox.control.setTimings({ registrationTtlMs: 3_600_000 });
    }
  });

  it('refuses to register a customer on an expired web session', async () => {
    suite.sandbox.control.setTimings({ webSessionTtlMs: 30 });
    try {
      const started = await suite.borica.startWebIdentification({
        requestCallbackUrl: suite.receiver.url(),
        identificationReason: 'x',
      });
      await sleep(60);
      await assert.rejects(
        suite.borica.createRegistration(started.data.webSessionId, registrationRequest),
        (error: unknown) => error instanceof BoricaHttpError && error.status === 404,
      );
    } finally {
      suite.sandbox.control.setTimings({ registrationTtlMs: 3_600_000, webSessionTtlMs: 3_600_000 });
    }
  });

  it('answers a repeated createRegistration with the same registration', async () => {
    const started = await startWebIdentification(suite.borica, suite.receiver.url());
    const again = await suite.borica.createRegistration(started.webSessionId, registrationRequest);
    assert.equal(again.sessionId, started.registration.sessionId);
    assert.equal(again.registrationId, started.registration.registrationId);
  });

  it('returns the registration bare, as the guide shows it, and accepts a missing device fingerprint', async () => {
    const started = await suite.borica.startWebIdentification({
      requestCallbackUrl: suite.receiver.url(),
      identificationReason: 'x',
    });
    const { deviceFingerprint: _omitted, ...withoutFingerprint } = registrationRequest;
    const answer = await rawApi(
      suite.sandbox,
      'POST',
      `/identification/web/sessions/by-otc-request/${started.data.webSessionId}`,
      { body: withoutFingerprint },
    );

    assert.equal(answer.status, 200);
    assert.equal((answer.body as { data?: unknown }).data, undefined);
    createRegistrationResponse.parse(answer.body);
    const registrationId = (answer.body as { registrationId: string }).registrationId;
    registrationStatusResponse.parse(
      (
        await rawApi(
          suite.sandbox,
          'GET',
          `/identification/web/sessions/by-otc-request/${registrationId}/status`,
        )
      ).body,
    );
  });

  it('answers 404 for unknown web sessions, registrations and result ids', async () => {
    const isNotFound = (error: unknown) => error instanceof BoricaHttpError && error.status === 404;
    await assert.rejects(suite.borica.createRegistration('no-such-session', registrationRequest), isNotFound);
    await assert.rejects(suite.borica.getRegistrationStatus('no-such-registration'), isNotFound);
    await assert.rejects(suite.borica.getWebIdentificationStatus('999999'), isNotFound);
  });
});
