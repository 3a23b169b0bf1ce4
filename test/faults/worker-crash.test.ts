/**
 * The worker is a child process SIGKILLed in each phase of each scenario and started again;
 * every flow still reaches its outcome, and BORICA receives exactly one billable request per
 * flow (per round for signing). The counts are printed as a table.
 *
 * Kills land between activities, but for one that lands during a download: an activity attempt
 * lost with its worker is retried once its heartbeat timeout (30 s) passes, which that test
 * proves once rather than waiting it out in every phase. The first flow waits for the server to notice the dead worker by itself (the sticky queue's
 * 10 s timeout); the others tell it at once ({@link forgetDeadWorker}) to keep the run short.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { temporal } from '@temporalio/proto';
import { customer, documentUpload, lastSegment, urls, waitForPhase } from '../integration/helpers';
import {
  type BillableCount,
  countBillable,
  forgetDeadWorker,
  killWorkerBetweenActivities,
  mobileCallbackId,
  printBillableTable,
  waitForVisiblePhase,
  webSessionKey,
} from '../support/flows';
import { activitiesInFlight, completedActivityStarts } from '../support/history';
import { type Stack, startStack } from '../support/stack';

const { TimeoutType } = temporal.api.enums.v1;

describe('a worker killed with SIGKILL in every phase', () => {
  let stack: Stack;
  const counts: BillableCount[] = [];

  before(async () => {
    stack = await startStack({
      workerInChildProcess: true,
      sandbox: { timings: { callbackRetryDelayMs: 50 } },
    });
  });

  after(async () => {
    await stack?.close();
  });

  it('finishes a MOBILE identification when the worker dies after the request, before the customer answers', async () => {
    const reason = 'crash: mobile awaiting customer';
    const { workflowId } = await stack.flows.startMobileIdentification({
      externalRef: 'crash-mobile',
      person: { docType: 'EGN', identificatorValue: '7805166742', dateOfBirth: '16-05-1978' },
      phoneNumber: '+359888133443',
      email: 'customer@example.com',
      reason,
      pollIntervalMs: 1000,
    });
    const callbackId = await mobileCallbackId(stack, workflowId);
    await waitForVisiblePhase(stack, workflowId, 'awaiting-customer');

    await killWorkerBetweenActivities(stack, workflowId);
    await stack.sandbox.control.mobile(callbackId, 'complete');
    await stack.worker.start();

    assert.equal((await stack.flows.result(workflowId)).outcome, 'identified');
    counts.push(countBillable(stack, 'mobile', 'identification', [reason], 1));
  });

  it('finishes a web identification when the worker dies while the customer is at it', async () => {
    const started = await startWeb(stack, 'crash-web-awaiting');
    await waitForVisiblePhase(stack, started.workflowId, 'awaiting-customer');

    await killWorkerBetweenActivities(stack, started.workflowId);
    await forgetDeadWorker(stack, started.workflowId);
    await stack.worker.start();
    await customer(stack).completesIdentification(started.redirectUrl);

    assert.equal((await stack.flows.result(started.workflowId)).outcome, 'identified');
    counts.push(webCount(stack, 'web, killed awaiting customer', started.workflowId));
  });

  it('downloads a web identification whose customer finished just before the worker died', async () => {
    const started = await startWeb(stack, 'crash-web-completed');
    await waitForVisiblePhase(stack, started.workflowId, 'awaiting-customer');

    // The callback is held back a moment, so that the server learns of the dead worker first.
    stack.sandbox.control.setFaults({ callbacks: { delayMs: 500 } });
    await customer(stack).completesIdentification(started.redirectUrl);
    await stack.worker.kill();
    await forgetDeadWorker(stack, started.workflowId);
    stack.sandbox.control.resetFaults();
    await stack.worker.start();

    assert.equal((await stack.flows.result(started.workflowId)).outcome, 'identified');
    counts.push(webCount(stack, 'web, killed after customer', started.workflowId));
  });

  it('retries a download lost with its worker once no heartbeat comes, long before its start-to-close timeout', async () => {
    const started = await startWeb(stack, 'crash-web-download');
    await waitForVisiblePhase(stack, started.workflowId, 'awaiting-customer');

    // BORICA answers slowly, so that the worker dies with the download in flight.
    stack.sandbox.control.setFaults({ latencyMs: 5_000 });
    await customer(stack).completesIdentification(started.redirectUrl);
    await waitForActivityInFlight(stack, started.workflowId, 'downloadIdentification');
    await stack.worker.kill();
    stack.sandbox.control.resetFaults();
    await forgetDeadWorker(stack, started.workflowId);
    await stack.worker.start();

    assert.equal((await stack.flows.result(started.workflowId)).outcome, 'identified');
    const [download] = await completedActivityStarts(
      stack.rawClient,
      started.workflowId,
      'downloadIdentification',
    );
    assert.equal(download?.attempt, 2);
    assert.equal(download?.lastFailure?.timeoutFailureInfo?.timeoutType, TimeoutType.TIMEOUT_TYPE_HEARTBEAT);
    counts.push(webCount(stack, 'web, killed mid-download', started.workflowId));
  });

  it('finishes an OTC signing when the worker dies while the customer reads, and the callback comes meanwhile', async () => {
    const identified = await identify(stack, 'crash-otc-identification');
    counts.push(webCount(stack, 'web, before OTC', identified.workflowId));
    const signing = await stack.flows.requestSignatures({
      externalRef: 'crash-otc',
      identifier: identified.clientIdentifier,
      signSessionId: identified.signSessionId,
      ...urls,
      documents: [await documentUpload('Crash contract')],
    });
    await waitForVisiblePhase(stack, signing.workflowId, 'signing');

    await killWorkerBetweenActivities(stack, signing.workflowId);
    await forgetDeadWorker(stack, signing.workflowId);
    await stack.sandbox.control.sign(lastSegment(signing.clientDocumentUrl), 'sign');
    await stack.worker.start();

    const result = await stack.flows.result(signing.workflowId);
    assert.equal(result.outcome, 'signed');
    if (result.outcome === 'signed') assert.equal(result.documents.length, 1);
    counts.push(countBillable(stack, 'otc signing', 'startSignSession', [identified.signSessionId], 1));
  });

  it('goes on with an onboarding when the worker dies between rounds and during a round', async () => {
    const started = await stack.flows.startOnboardAndSign({
      externalRef: 'crash-onboard',
      reason: 'crash: onboarding',
      ...urls,
    });
    await customer(stack).completesIdentification(started.redirectUrl);
    await waitForPhase(stack.flows, started.workflowId, 'ready-to-sign');
    await signRound(stack, started.workflowId, 'Crash loan agreement');
    await waitForPhase(stack.flows, started.workflowId, 'ready-to-sign', (status) => status.rounds === 1);

    await killWorkerBetweenActivities(stack, started.workflowId);
    await forgetDeadWorker(stack, started.workflowId);
    await stack.worker.start();

    const round = await stack.flows.requestOnboardingSignatures(started.workflowId, {
      ...urls,
      documents: [await documentUpload('Crash insurance')],
    });
    await waitForVisiblePhase(stack, started.workflowId, 'signing');
    await killWorkerBetweenActivities(stack, started.workflowId);
    await forgetDeadWorker(stack, started.workflowId);
    await stack.sandbox.control.sign(lastSegment(round.clientDocumentUrl), 'sign');
    await stack.worker.start();

    await waitForPhase(stack.flows, started.workflowId, 'ready-to-sign', (status) => status.rounds === 2);
    await stack.flows.finishOnboarding(started.workflowId);
    const result = await stack.flows.result(started.workflowId);
    assert.equal(result.ended, 'finished');
    assert.deepEqual(
      result.rounds.map((r) => r.outcome),
      ['signed', 'signed'],
    );
    assert.equal(result.identification.outcome, 'identified');
    if (result.identification.outcome !== 'identified' || result.rounds[0]?.outcome !== 'signed') return;

    counts.push(webCount(stack, 'onboarding identification', started.workflowId));
    const sessions = [result.identification.signSessionId, result.rounds[0].signSessionId];
    counts.push(countBillable(stack, 'onboarding, 2 rounds', 'startSignSession', [...new Set(sessions)], 2));
  });

  it('sends BORICA exactly one billable request per flow and per signing round', () => {
    printBillableTable('Billable POSTs per flow with the worker SIGKILLed', counts);

    assert.equal(counts.length, 8);
    for (const count of counts)
      assert.equal(count.received, count.expected, `${count.flow}: ${count.operation}`);
  });
});

async function startWeb(stack: Stack, externalRef: string) {
  return stack.flows.startWebIdentification({ externalRef, reason: `crash: ${externalRef}`, ...urls });
}

async function identify(stack: Stack, externalRef: string) {
  const started = await startWeb(stack, externalRef);
  await customer(stack).completesIdentification(started.redirectUrl);
  const result = await stack.flows.result(started.workflowId);
  if (result.outcome !== 'identified') throw new Error(`${externalRef} ended ${result.outcome}`);
  return { workflowId: started.workflowId, ...result };
}

async function signRound(stack: Stack, workflowId: string, title: string): Promise<void> {
  const round = await stack.flows.requestOnboardingSignatures(workflowId, {
    ...urls,
    documents: [await documentUpload(title)],
  });
  await stack.sandbox.control.sign(lastSegment(round.clientDocumentUrl), 'sign');
}

function webCount(stack: Stack, flow: string, workflowId: string): BillableCount {
  return countBillable(stack, flow, 'startWebIdentification', [webSessionKey(stack, workflowId)], 1);
}

async function waitForActivityInFlight(
  stack: Stack,
  workflowId: string,
  activityType: string,
): Promise<void> {
  while (!(await activitiesInFlight(stack.rawClient, workflowId)).includes(activityType)) await sleep(20);
}
