/**
 * The Temporal server goes away mid-flow and comes back: a file-backed dev server on a fixed
 * port is stopped while flows of every scenario wait on their customers, the customers act
 * while it is down, and it is started again on the same file. The worker (a child process)
 * reconnects on its own; every flow completes, with one billable request each.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { customer, documentUpload, lastSegment, person, urls, waitForPhase } from '../integration/helpers';
import {
  type BillableCount,
  countBillable,
  mobileCallbackId,
  printBillableTable,
  waitForVisiblePhase,
  webSessionKey,
} from '../support/flows';
import { hasActivityInFlight } from '../support/history';
import { type Stack, startStack } from '../support/stack';

describe('a Temporal server restarted mid-flow', () => {
  let stack: Stack;

  before(async () => {
    stack = await startStack({
      workerInChildProcess: true,
      persistentTemporal: true,
      // Callbacks refused while the server is down are sent again 1, 2, 4, 8 and 16 s later.
      sandbox: { timings: { callbackRetryDelayMs: 1000 } },
    });
  });

  after(async () => {
    await stack?.close();
  });

  it('completes every flow that was waiting when the server stopped, including those whose customers acted meanwhile', async () => {
    const { control } = stack.sandbox;
    const mobileReason = 'restart: mobile';
    const mobile = await stack.flows.startMobileIdentification({
      externalRef: 'restart-mobile',
      person,
      phoneNumber: '+359888133443',
      email: 'customer@example.com',
      reason: mobileReason,
      pollIntervalMs: 2000,
    });
    const web = await stack.flows.startWebIdentification({
      externalRef: 'restart-web',
      reason: 'restart: web',
      ...urls,
      statusPollIntervalMs: 10_000,
    });
    const identified = await identify(stack, 'restart-otc-identification');
    const signing = await stack.flows.requestSignatures({
      externalRef: 'restart-otc',
      identifier: identified.clientIdentifier,
      signSessionId: identified.signSessionId,
      ...urls,
      documents: [await documentUpload('Restart contract')],
      statusPollIntervalMs: 10_000,
    });
    const onboarding = await stack.flows.startOnboardAndSign({
      externalRef: 'restart-onboard',
      reason: 'restart: onboarding',
      ...urls,
    });
    await customer(stack).completesIdentification(onboarding.redirectUrl);

    const callbackId = await mobileCallbackId(stack, mobile.workflowId);
    await waitForVisiblePhase(stack, mobile.workflowId, 'awaiting-customer');
    await waitForVisiblePhase(stack, web.workflowId, 'awaiting-customer');
    await waitForVisiblePhase(stack, signing.workflowId, 'signing');
    await waitForPhase(stack.flows, onboarding.workflowId, 'ready-to-sign');
    const waiting = [mobile.workflowId, web.workflowId, signing.workflowId, onboarding.workflowId];

    await stopBetweenActivities(stack, waiting);
    await control.mobile(callbackId, 'complete');
    await customer(stack).completesIdentification(web.redirectUrl);
    await control.sign(lastSegment(signing.clientDocumentUrl), 'sign');
    await stack.temporalServer.start();

    assert.equal((await stack.flows.result(mobile.workflowId)).outcome, 'identified');
    assert.equal((await stack.flows.result(web.workflowId)).outcome, 'identified');
    const signed = await stack.flows.result(signing.workflowId);
    assert.equal(signed.outcome, 'signed');
    if (signed.outcome === 'signed') assert.equal(signed.documents.length, 1);

    const round = await stack.flows.requestOnboardingSignatures(onboarding.workflowId, {
      ...urls,
      documents: [await documentUpload('Restart loan agreement')],
    });
    await control.sign(lastSegment(round.clientDocumentUrl), 'sign');
    await waitForPhase(stack.flows, onboarding.workflowId, 'ready-to-sign', (status) => status.rounds === 1);
    await stack.flows.finishOnboarding(onboarding.workflowId);
    const onboarded = await stack.flows.result(onboarding.workflowId);
    assert.equal(onboarded.ended, 'finished');
    assert.deepEqual(
      onboarded.rounds.map((r) => r.outcome),
      ['signed'],
    );

    assert.equal(startsOf(stack), 1, 'the worker process lived through the restart');
    assert.ok(
      stack.receiverLogs.some((line) => line.includes('callback not delivered')),
      'a callback was refused while the server was down',
    );
    const counts: BillableCount[] = [
      countBillable(stack, 'mobile', 'identification', [mobileReason], 1),
      countBillable(stack, 'web', 'startWebIdentification', [webSessionKey(stack, web.workflowId)], 1),
      countBillable(stack, 'otc signing', 'startSignSession', [identified.signSessionId], 1),
      countBillable(
        stack,
        'onboarding',
        'startWebIdentification',
        [webSessionKey(stack, onboarding.workflowId)],
        1,
      ),
    ];
    printBillableTable('Billable POSTs per flow across a Temporal restart', counts);
    for (const count of counts) assert.equal(count.received, count.expected, count.flow);
  });

  it('keeps serving after a second restart with nothing in flight', async () => {
    await stack.temporalServer.stop();
    await stack.temporalServer.start();

    const started = await stack.flows.startWebIdentification({
      externalRef: 'restart-after',
      reason: 'restart: after',
      ...urls,
    });
    await customer(stack).completesIdentification(started.redirectUrl);

    assert.equal((await stack.flows.result(started.workflowId)).outcome, 'identified');
  });
});

function startsOf(stack: Stack): number {
  return stack.worker.logs.filter((line) => line.includes('"msg":"worker started"')).length;
}

async function identify(stack: Stack, externalRef: string) {
  const started = await stack.flows.startWebIdentification({ externalRef, reason: externalRef, ...urls });
  await customer(stack).completesIdentification(started.redirectUrl);
  const result = await stack.flows.result(started.workflowId);
  if (result.outcome !== 'identified') throw new Error(`${externalRef} ended ${result.outcome}`);
  return result;
}

/**
 * Stops the server when none of the workflows has an activity running: a completion the worker
 * cannot report is retried only after the activity's start-to-close timeout.
 */
async function stopBetweenActivities(stack: Stack, workflowIds: readonly string[]): Promise<void> {
  for (;;) {
    const busy = await Promise.all(workflowIds.map((id) => hasActivityInFlight(stack.rawClient, id)));
    if (!busy.includes(true)) break;
    await sleep(20);
  }
  await stack.temporalServer.stop();
}
