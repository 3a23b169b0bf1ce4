/**
 * BORICA misbehaving, played by the sandbox's fault injection: bursts of 5xx, answers slower
 * than the client's timeout (BORICA_TIMEOUT_MS is 1 s here), callbacks dropped, duplicated,
 * delayed and reordered, and forged callbacks. Every flow ends in its right outcome, BORICA
 * bills each business request once, and signed documents are not duplicated.
 */
import assert from 'node:assert/strict';
import { after, afterEach, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { FlowFailedError, type WorkflowIdOf } from '../../client';
import { callbackTokenFor } from '../../common/callback-token';
import { customer, documentUpload, lastSegment, person, urls, waitForPhase } from '../integration/helpers';
import {
  type BillableCount,
  countBillable,
  printBillableTable,
  resultIdOf,
  waitForVisiblePhase,
  webSessionKey,
} from '../support/flows';
import { highestPendingAttempt, signalsReceived } from '../support/history';
import { type Stack, startStack } from '../support/stack';

/** The shortest status poll the client accepts: the fallback when callbacks are lost. */
const STATUS_POLL_MS = 10_000;
const BORICA_TIMEOUT_MS = 1000;

describe('BORICA faults injected by the sandbox', () => {
  let stack: Stack;
  const counts: BillableCount[] = [];

  before(async () => {
    stack = await startStack({
      workerEnv: { BORICA_TIMEOUT_MS: String(BORICA_TIMEOUT_MS) },
      sandbox: { timings: { callbackRetryDelayMs: 50 } },
    });
  });

  afterEach(async () => {
    stack.sandbox.control.resetFaults();
    stack.sandbox.control.setAutopilot({ mobile: { outcome: 'none' }, web: { outcome: 'none' } });
    await stack.sandbox.control.settled();
  });

  after(async () => {
    await stack?.close();
  });

  describe('server errors', () => {
    it('sends a billable POST answered 500 once more, and BORICA bills it once', async () => {
      const { control } = stack.sandbox;
      control.setAutopilot({ mobile: { outcome: 'complete', afterMs: 200 } });
      const reason = 'faults: mobile after a 500';

      control.setFaults({ serverErrorBurst: 1 });
      const mobile = await stack.flows.startMobileIdentification(mobileInput('faults-mobile-500', reason));
      assert.equal((await stack.flows.result(mobile.workflowId)).outcome, 'identified');

      control.setFaults({ serverErrorBurst: 1 });
      const web = await startWeb(stack, 'faults-web-500');
      const identified = await identify(stack, 'faults-web-500-id');
      control.setFaults({ serverErrorBurst: 1 });
      const signing = await requestSigning(stack, 'faults-sign-500', identified);
      await control.sign(lastSegment(signing.clientDocumentUrl), 'sign');
      await customer(stack).completesIdentification(web.redirectUrl);

      assert.equal((await stack.flows.result(web.workflowId)).outcome, 'identified');
      await assertSignedOnce(stack, signing.workflowId);
      counts.push(
        countBillable(stack, 'mobile, 500 on POST', 'identification', [reason], 1),
        countBillable(
          stack,
          'web, 500 on POST',
          'startWebIdentification',
          [webSessionKey(stack, web.workflowId)],
          1,
        ),
        countBillable(stack, 'otc, 500 on POST', 'startSignSession', [signing.signSessionId], 1),
      );
      assertCounts(counts.slice(-3));
    });

    it('rides out a burst of five 500s on status checks and downloads', async () => {
      const web = await startWeb(stack, 'faults-web-burst');
      await waitForVisiblePhase(stack, web.workflowId, 'awaiting-customer');

      stack.sandbox.control.setFaults({ serverErrorBurst: 5 });
      await customer(stack).completesIdentification(web.redirectUrl);

      assert.equal((await stack.flows.result(web.workflowId)).outcome, 'identified');
      assert.equal(stack.sandbox.control.faults().serverErrorBurst, 0, 'every injected 500 was answered');
      counts.push(webCount(stack, 'web, 5 x 500 on reads', web.workflowId));
    });

    it('gives up on a billable POST after two 500s instead of risking a third request', async () => {
      stack.sandbox.control.setFaults({ serverErrorBurst: 2 });
      const reason = 'faults: mobile after two 500s';
      const mobile = await stack.flows.startMobileIdentification(mobileInput('faults-mobile-2x500', reason));

      await assert.rejects(stack.flows.result(mobile.workflowId), FlowFailedError);
      assert.equal(stack.sandbox.control.faults().serverErrorBurst, 0, 'both POSTs were answered 500');
      // A third POST would have got through, and been billed.
      counts.push(countBillable(stack, 'mobile, 2 x 500 on POST', 'identification', [reason], 0));
      assertCounts(counts.slice(-1));
    });
  });

  describe('answers slower than the client waits', () => {
    it('retries status checks and downloads that time out until BORICA answers in time', async () => {
      const web = await startWeb(stack, 'faults-web-slow');
      await waitForVisiblePhase(stack, web.workflowId, 'awaiting-customer');

      stack.sandbox.control.setFaults({ latencyMs: BORICA_TIMEOUT_MS + 500 });
      await customer(stack).completesIdentification(web.redirectUrl);
      await until(async () => (await highestPendingAttempt(stack.rawClient, web.workflowId)) >= 2);
      stack.sandbox.control.resetFaults();

      assert.equal((await stack.flows.result(web.workflowId)).outcome, 'identified');
      counts.push(webCount(stack, 'web, reads timed out', web.workflowId));
    });

    it('sends a billable POST that timed out once more, and the business request is billed once', async () => {
      const { control } = stack.sandbox;
      const workflowId = 'web-identification:faults-web-slow-post';
      control.setFaults({ latencyMs: BORICA_TIMEOUT_MS + 500 });
      const started = startWeb(stack, 'faults-web-slow-post');

      // The sandbox reads a body only after the latency, so it bills nothing for a POST whose
      // client gave up; BORICA might have, which is why the worker allows this one retry only.
      await until(async () => (await highestPendingAttempt(stack.rawClient, workflowId).catch(() => 0)) >= 2);
      control.resetFaults();
      const web = await started;
      await customer(stack).completesIdentification(web.redirectUrl);

      assert.equal((await stack.flows.result(web.workflowId)).outcome, 'identified');
      counts.push(webCount(stack, 'web, POST timed out once', workflowId));
    });
  });

  describe('callbacks', () => {
    it('completes by the status poll when every callback is dropped', async () => {
      const identified = await identify(stack, 'faults-drop-id');
      stack.sandbox.control.setFaults({ callbacks: { drop: 1 } });

      const web = await startWeb(stack, 'faults-drop-web', STATUS_POLL_MS);
      const signing = await requestSigning(stack, 'faults-drop-sign', identified, STATUS_POLL_MS);
      await customer(stack).completesIdentification(web.redirectUrl);
      await stack.sandbox.control.sign(lastSegment(signing.clientDocumentUrl), 'sign');

      assert.equal((await stack.flows.result(web.workflowId)).outcome, 'identified');
      await assertSignedOnce(stack, signing.workflowId);
      assert.equal(
        await signalsReceived(stack.rawClient, web.workflowId),
        0,
        'no callback reached the workflow',
      );
      assert.equal(await signalsReceived(stack.rawClient, signing.workflowId), 0);
      counts.push(
        webCount(stack, 'web, callback dropped', web.workflowId),
        countBillable(stack, 'otc, callback dropped', 'startSignSession', [identified.signSessionId], 1),
      );
    });

    it('acts once on callbacks sent twice', async () => {
      const identified = await identify(stack, 'faults-dup-id');
      stack.sandbox.control.setFaults({ callbacks: { duplicate: 1 } });

      const web = await startWeb(stack, 'faults-dup-web');
      const signing = await requestSigning(stack, 'faults-dup-sign', identified);
      await customer(stack).completesIdentification(web.redirectUrl);
      await stack.sandbox.control.sign(lastSegment(signing.clientDocumentUrl), 'sign');

      assert.equal((await stack.flows.result(web.workflowId)).outcome, 'identified');
      await assertSignedOnce(stack, signing.workflowId);
      await stack.sandbox.control.settled();
      const signResultId = await resultIdOf(stack, signing.workflowId);
      const sent = stack.sandbox.control.callbacks().filter((entry) => entry.resultId === signResultId);
      assert.equal(sent.length, 2, 'the SIGN_SESSION callback went out twice');
      counts.push(
        webCount(stack, 'web, callback duplicated', web.workflowId),
        countBillable(stack, 'otc, callback duplicated', 'startSignSession', [identified.signSessionId], 1),
      );
    });

    it('completes when callbacks arrive late', async () => {
      const identified = await identify(stack, 'faults-late-id');
      stack.sandbox.control.setFaults({ callbacks: { delayMs: 1500 } });

      const web = await startWeb(stack, 'faults-late-web');
      const signing = await requestSigning(stack, 'faults-late-sign', identified);
      await customer(stack).completesIdentification(web.redirectUrl);
      await stack.sandbox.control.sign(lastSegment(signing.clientDocumentUrl), 'sign');

      assert.equal((await stack.flows.result(web.workflowId)).outcome, 'identified');
      await assertSignedOnce(stack, signing.workflowId);
      counts.push(
        webCount(stack, 'web, callback delayed', web.workflowId),
        countBillable(stack, 'otc, callback delayed', 'startSignSession', [identified.signSessionId], 1),
      );
    });

    it('completes when callbacks arrive in the opposite order', async () => {
      const first = await startWeb(stack, 'faults-reorder-1');
      const second = await startWeb(stack, 'faults-reorder-2');
      const onboarding = await stack.flows.startOnboardAndSign({
        externalRef: 'faults-reorder-onboard',
        reason: 'faults: reordered onboarding',
        ...urls,
      });
      stack.sandbox.control.setFaults({ callbacks: { reorder: true } });

      await customer(stack).completesIdentification(first.redirectUrl);
      await customer(stack).completesIdentification(second.redirectUrl);
      await customer(stack).completesIdentification(onboarding.redirectUrl);
      await waitForPhase(stack.flows, onboarding.workflowId, 'ready-to-sign');
      const round = await stack.flows.requestOnboardingSignatures(onboarding.workflowId, {
        ...urls,
        documents: [await documentUpload('Reordered agreement')],
      });
      await stack.sandbox.control.sign(lastSegment(round.clientDocumentUrl), 'sign');
      await waitForPhase(
        stack.flows,
        onboarding.workflowId,
        'ready-to-sign',
        (status) => status.rounds === 1,
      );
      await stack.flows.finishOnboarding(onboarding.workflowId);

      assert.equal((await stack.flows.result(first.workflowId)).outcome, 'identified');
      assert.equal((await stack.flows.result(second.workflowId)).outcome, 'identified');
      const onboarded = await stack.flows.result(onboarding.workflowId);
      assert.deepEqual(
        onboarded.rounds.map((r) => (r.outcome === 'signed' ? r.documents.length : r.outcome)),
        [1],
      );
      counts.push(
        webCount(stack, 'web, callbacks reordered (1)', first.workflowId),
        webCount(stack, 'web, callbacks reordered (2)', second.workflowId),
        webCount(stack, 'onboarding, callbacks reordered', onboarding.workflowId),
      );
    });
  });

  describe('forged callbacks', () => {
    it('refuses a callback with a wrong token and does not wake the workflow', async () => {
      const web = await startWeb(stack, 'faults-forged-token');
      await waitForVisiblePhase(stack, web.workflowId, 'awaiting-customer');
      const resultId = await resultIdOf(stack, web.workflowId);

      const response = await postCallback(stack, web.workflowId, 'A'.repeat(43), lyingBody(resultId));

      assert.equal(response.status, 401);
      assert.equal(((await response.json()) as { error?: string }).error, 'invalid_token');
      assert.equal(await signalsReceived(stack.rawClient, web.workflowId), 0);
      await customer(stack).completesIdentification(web.redirectUrl);
      assert.equal((await stack.flows.result(web.workflowId)).outcome, 'identified');
    });

    it('keeps waiting after a well-addressed callback that claims an identification the customer has not finished', async () => {
      const web = await startWeb(stack, 'faults-forged-body');
      await waitForVisiblePhase(stack, web.workflowId, 'awaiting-customer');
      await stack.sandbox.control.web(lastSegment(web.redirectUrl), 'open');
      const token = callbackTokenFor(stack.env.CALLBACK_SECRET ?? '', web.workflowId);

      const response = await postCallback(
        stack,
        web.workflowId,
        token,
        lyingBody(await resultIdOf(stack, web.workflowId)),
      );
      assert.equal(response.status, 200);

      // The workflow asked BORICA over mutual TLS, heard the customer is still at it, and waits on.
      const status = await waitForPhase(
        stack.flows,
        web.workflowId,
        'awaiting-customer',
        (s) => s.boricaStatus !== undefined,
      );
      assert.equal(status.boricaStatus, 'ON_BOARDING');
      await stack.sandbox.control.web(lastSegment(web.redirectUrl), 'complete');
      assert.equal((await stack.flows.result(web.workflowId)).outcome, 'identified');
      assert.equal(
        await signalsReceived(stack.rawClient, web.workflowId),
        2,
        'the forged callback and the real one',
      );
    });

    it('keeps a signing waiting after a forged SIGN_SESSION callback, then completes it when the customer signs', async () => {
      const identified = await identify(stack, 'faults-forged-sign-id');
      const signing = await requestSigning(stack, 'faults-forged-sign', identified);
      await waitForVisiblePhase(stack, signing.workflowId, 'signing');
      const token = callbackTokenFor(stack.env.CALLBACK_SECRET ?? '', identified.workflowId);
      const body = lyingBody(await resultIdOf(stack, signing.workflowId), 'SIGN_SESSION');

      // Sent, as BORICA would, to the URL of the identification that opened the sign session.
      const response = await postCallback(stack, identified.workflowId, token, body);
      assert.equal(response.status, 200);

      const status = await waitForPhase(
        stack.flows,
        signing.workflowId,
        'signing',
        (s) => s.boricaStatus !== undefined,
      );
      assert.equal(status.phase, 'signing');
      await stack.sandbox.control.sign(lastSegment(signing.clientDocumentUrl), 'sign');
      await assertSignedOnce(stack, signing.workflowId);
      counts.push(
        countBillable(stack, 'otc, forged callback first', 'startSignSession', [identified.signSessionId], 1),
      );
    });
  });

  it('sends BORICA one billable request per flow and round whatever the faults', () => {
    printBillableTable('Billable POSTs per flow under injected faults', counts);

    assertCounts(counts);
  });
});

// ---------------------------------------------------------------------------------------------

function mobileInput(externalRef: string, reason: string) {
  return {
    externalRef,
    person,
    phoneNumber: '+359888133443',
    email: 'customer@example.com',
    reason,
    pollIntervalMs: 1000,
  };
}

function startWeb(stack: Stack, externalRef: string, statusPollIntervalMs?: number) {
  return stack.flows.startWebIdentification({
    externalRef,
    reason: `faults: ${externalRef}`,
    ...urls,
    ...(statusPollIntervalMs ? { statusPollIntervalMs } : {}),
  });
}

interface Identified {
  readonly workflowId: string;
  readonly clientIdentifier: string;
  readonly signSessionId: string;
}

async function identify(stack: Stack, externalRef: string): Promise<Identified> {
  const started = await startWeb(stack, externalRef);
  await customer(stack).completesIdentification(started.redirectUrl);
  const result = await stack.flows.result(started.workflowId);
  if (result.outcome !== 'identified') throw new Error(`${externalRef} ended ${result.outcome}`);
  return { workflowId: started.workflowId, ...result };
}

async function requestSigning(
  stack: Stack,
  externalRef: string,
  identified: Identified,
  statusPollIntervalMs?: number,
) {
  const signing = await stack.flows.requestSignatures({
    externalRef,
    identifier: identified.clientIdentifier,
    signSessionId: identified.signSessionId,
    ...urls,
    documents: [await documentUpload(`Contract ${externalRef}`)],
    ...(statusPollIntervalMs ? { statusPollIntervalMs } : {}),
  });
  return { ...signing, signSessionId: identified.signSessionId };
}

async function assertSignedOnce(stack: Stack, workflowId: WorkflowIdOf<'otc-signing'>): Promise<void> {
  const result = await stack.flows.result(workflowId);
  assert.equal(result.outcome, 'signed');
  if (result.outcome === 'signed')
    assert.equal(result.documents.length, 1, 'one signed document per document sent');
}

function webCount(stack: Stack, flow: string, workflowId: string): BillableCount {
  return countBillable(stack, flow, 'startWebIdentification', [webSessionKey(stack, workflowId)], 1);
}

function assertCounts(counts: readonly BillableCount[]): void {
  for (const count of counts)
    assert.equal(count.received, count.expected, `${count.flow}: ${count.operation}`);
}

/** A callback as BORICA sends it, claiming a state the customer may not have reached. */
function lyingBody(resultId: string, processState = 'CREATE_SIGN_SESSION_REQUEST') {
  return {
    code: 'OK',
    message: 'The request has been executed successfully.',
    requestId: 4242,
    relyingPartyId: 24102167,
    data: { processState, sessionId: 'forged-session', resultId, dataMessage: 'forged' },
  };
}

function postCallback(stack: Stack, workflowId: string, token: string, body: unknown): Promise<Response> {
  return fetch(`${stack.receiverUrl}/callbacks/${encodeURIComponent(workflowId)}/${token}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
}

async function until(condition: () => Promise<boolean>, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`condition not met in ${timeoutMs} ms`);
    await sleep(50);
  }
}
