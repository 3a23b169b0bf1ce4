/**
 * The four scenarios end to end: dev server, worker, receiver and the sandbox over mutual TLS,
 * with real HTTP callbacks from the sandbox to the receiver.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { PDFDocument } from 'pdf-lib';
import type { DocumentRef } from '../../workflows/definitions';
import { type Stack, startStack } from '../support/stack';
import { customer, documentUpload, lastSegment, person, urls, waitForPhase } from './helpers';

describe('the four scenarios against the sandbox', () => {
  let stack: Stack;

  before(async () => {
    stack = await startStack({ sandbox: { timings: { callbackRetryDelayMs: 50 } } });
  });

  after(async () => {
    await stack?.close();
  });

  it('identifies a customer with B-Trust MOBILE and stores the eID certificate', async () => {
    stack.sandbox.control.setAutopilot({ mobile: { outcome: 'complete', afterMs: 300 } });

    const { workflowId } = await stack.flows.startMobileIdentification({
      externalRef: 'it-mobile-1',
      person,
      phoneNumber: '+359888133443',
      email: 'customer@example.com',
      reason: 'integration: mobile',
      pollIntervalMs: 1000,
    });
    const result = await stack.flows.result(workflowId);

    assert.equal(result.outcome, 'identified');
    if (result.outcome !== 'identified') return;
    assert.ok(result.identifier.length > 0);
    await assertPdf(stack, result.certificate);
    stack.sandbox.control.setAutopilot({ mobile: { outcome: 'none', afterMs: 0 } });
  });

  it('reports a MOBILE identification the customer rejected, with BORICA code and message', async () => {
    stack.sandbox.control.setAutopilot({ mobile: { outcome: 'reject', afterMs: 300 } });

    const { workflowId } = await stack.flows.startMobileIdentification({
      externalRef: 'it-mobile-rejected',
      person,
      phoneNumber: '+359888133443',
      email: 'customer@example.com',
      reason: 'integration: mobile rejected',
      pollIntervalMs: 1000,
    });
    const result = await stack.flows.result(workflowId);

    assert.deepEqual(result.outcome, 'rejected');
    if (result.outcome === 'rejected') assert.equal(result.code, 'REJECTED');
    stack.sandbox.control.setAutopilot({ mobile: { outcome: 'none', afterMs: 0 } });
  });

  it('runs a web identification, then OTC signing whose callback arrives after the identification ended', async () => {
    const identified = await identify(stack, 'it-web-1');

    const signing = await stack.flows.requestSignatures({
      externalRef: 'it-sign-1',
      identifier: identified.clientIdentifier,
      signSessionId: identified.signSessionId,
      ...urls,
      documents: [await documentUpload('Contract')],
    });
    await stack.sandbox.control.sign(lastSegment(signing.clientDocumentUrl), 'sign');
    const result = await stack.flows.result(signing.workflowId);

    assert.equal(result.outcome, 'signed');
    if (result.outcome !== 'signed') return;
    assert.equal(result.documents.length, 1);
    const signed = await stack.flows.readDocument(result.documents[0]!.document);
    assert.match(signed.toString('latin1'), /\/ByteRange/);
    assert.ok(
      deliveredCallbacks(stack, 'SIGN_SESSION') >= 1,
      'the SIGN_SESSION callback reached the receiver',
    );
  });

  it('reports a signing the customer refused', async () => {
    const identified = await identify(stack, 'it-web-2');
    const signing = await stack.flows.requestSignatures({
      externalRef: 'it-sign-refused',
      identifier: identified.clientIdentifier,
      signSessionId: identified.signSessionId,
      ...urls,
      documents: [await documentUpload('Refused contract')],
    });

    await stack.sandbox.control.sign(lastSegment(signing.clientDocumentUrl), 'refuse');

    assert.equal((await stack.flows.result(signing.workflowId)).outcome, 'refused');
  });

  it('reports a web identification cancelled by the customer', async () => {
    const started = await stack.flows.startWebIdentification({
      externalRef: 'it-web-cancel',
      reason: 'cancel',
      ...urls,
    });

    await customer(stack).cancelsIdentification(started.redirectUrl);

    assert.equal((await stack.flows.result(started.workflowId)).outcome, 'cancelled-by-customer');
  });

  it('reports a web identification denied by the BORICA agent', async () => {
    const started = await stack.flows.startWebIdentification({
      externalRef: 'it-web-deny',
      reason: 'deny',
      ...urls,
    });

    await stack.sandbox.control.web(lastSegment(started.redirectUrl), 'deny');

    assert.equal((await stack.flows.result(started.workflowId)).outcome, 'denied');
  });

  it('onboards a customer, then signs two rounds in the same sign session', async () => {
    const started = await stack.flows.startOnboardAndSign({
      externalRef: 'it-onboard-1',
      reason: 'loan',
      ...urls,
    });
    await customer(stack).completesIdentification(started.redirectUrl);
    await waitForPhase(stack.flows, started.workflowId, 'ready-to-sign');

    for (const [index, title] of ['Loan agreement', 'Insurance'].entries()) {
      const round = await stack.flows.requestOnboardingSignatures(started.workflowId, {
        ...urls,
        documents: [await documentUpload(title)],
      });
      await stack.sandbox.control.sign(lastSegment(round.clientDocumentUrl), 'sign');
      await waitForPhase(
        stack.flows,
        started.workflowId,
        'ready-to-sign',
        (status) => status.rounds === index + 1,
      );
    }
    await stack.flows.finishOnboarding(started.workflowId);
    const result = await stack.flows.result(started.workflowId);

    assert.equal(result.identification.outcome, 'identified');
    assert.equal(result.ended, 'finished');
    assert.deepEqual(
      result.rounds.map((round) => round.outcome),
      ['signed', 'signed'],
    );
  });

  it('sends BORICA one billable request per flow and per signing round', () => {
    const requests = stack.sandbox.control.requests();
    const webSessions = requests.filter((request) => request.operation === 'startWebIdentification');
    const signSessions = requests.filter((request) => request.operation === 'startSignSession');

    assert.equal(new Set(webSessions.map((request) => request.key)).size, webSessions.length);
    assert.equal(webSessions.length, 5);
    assert.equal(signSessions.length, 4);
    assert.equal(requests.filter((request) => request.operation === 'identification').length, 2);
  });
});

async function identify(stack: Stack, externalRef: string) {
  const started = await stack.flows.startWebIdentification({
    externalRef,
    reason: 'integration: web',
    ...urls,
  });
  await customer(stack).completesIdentification(started.redirectUrl);
  const result = await stack.flows.result(started.workflowId);
  assert.equal(result.outcome, 'identified');
  if (result.outcome !== 'identified') throw new Error('not identified');
  await assertPdf(stack, result.certificate);
  return result;
}

async function assertPdf(stack: Stack, ref: DocumentRef): Promise<void> {
  const bytes = await stack.flows.readDocument(ref);
  const pdf = await PDFDocument.load(bytes);
  assert.ok(pdf.getPageCount() >= 1);
}

function deliveredCallbacks(stack: Stack, processState: string): number {
  return stack.sandbox.control
    .callbacks()
    .filter((entry) => entry.processState === processState && entry.status === 'delivered').length;
}
