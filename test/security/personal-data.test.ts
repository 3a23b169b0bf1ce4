/**
 * Personal data stays out of everything a Temporal operator, a log pipeline or a stolen disk
 * would show. Flows of all four scenarios run with distinctive people; then the raw workflow
 * histories (read without the codec), the server's descriptions, the search attributes, the
 * logs of the worker (a child process), the receiver and the sandbox, and the document store's
 * files are searched for those people's data, for PDFs, for callback tokens and for keys.
 */
import assert from 'node:assert/strict';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseKeyRing } from '../../codec/keys';
import { EncryptionCodec } from '../../codec/payload-codec';
import { callbackTokenFor } from '../../common/callback-token';
import { webPerson } from '../../sandbox/people';
import { documentUpload, lastSegment, urls, waitForPhase } from '../integration/helpers';
import { mobileCallbackId } from '../support/flows';
import { type Execution, listExecutions, rawDescription, rawHistory, startInput } from '../support/history';
import {
  assertNoMarkers,
  egnFor,
  findMarkers,
  type Marker,
  PDF_MARKERS,
  personMarkers,
} from '../support/personal-data';
import { type Stack, startStack } from '../support/stack';

const mobileCustomer = {
  name: 'Zlatomira Privacyprobe-Mobilova',
  dateOfBirth: '07-11-1953',
  identificatorValue: egnFor('07-11-1953', 731),
  phone: '+359897531864',
  email: 'zlatomira.privacyprobe.7731@marker-mail.test',
};
const rejectingCustomer = {
  dateOfBirth: '23-09-1961',
  identificatorValue: egnFor('23-09-1961', 482),
  phone: '+359876420913',
  email: 'refusing.privacyprobe.4829@marker-mail.test',
};
const webName = 'Radoslava Privacyprobe-Webova';
const onboardName = 'Blagovesta Privacyprobe-Onboardova';

describe('personal data in history, search attributes, logs and the document store', () => {
  let stack: Stack;
  const workflowIds: string[] = [];
  let markers: Marker[];

  before(async () => {
    stack = await startStack({
      workerInChildProcess: true,
      // The most the worker ever writes; personal data must stay out of that too.
      workerEnv: { LOG_LEVEL: 'debug' },
      sandbox: { timings: { callbackRetryDelayMs: 50 } },
    });
    await runEveryScenario(stack, workflowIds);
    // Everything the worker wrote, up to its last line.
    await stack.worker.stop();
    markers = everyMarker(stack, workflowIds);
  });

  after(async () => {
    await stack?.close();
  });

  it('ran every scenario to its outcome', () => {
    assert.deepEqual(workflowIds.map((id) => id.slice(0, id.indexOf(':'))).sort(), [
      'mobile-identification',
      'mobile-identification',
      'onboard-and-sign',
      'otc-signing',
      'web-identification',
    ]);
  });

  it('keeps the data it searches for in the (encrypted) history, so the search is not vacuous', async () => {
    const mobile = workflowIds.find((id) => id.startsWith('mobile-identification:privacy-mobile'));
    assert.ok(mobile);
    const [payload] = await startInput(stack.rawClient, { workflowId: mobile });
    assert.ok(payload, 'the mobile workflow has an input');

    const codec = new EncryptionCodec(parseKeyRing(stack.env.PAYLOAD_ENCRYPTION_KEYS ?? ''));
    const [decoded] = await codec.decode([payload]);
    const found = findMarkers(
      decoded?.data ?? new Uint8Array(),
      personMarkers('mobile customer', mobileCustomer),
    );

    assert.ok(found.includes('mobile customer EGN'), 'the decrypted input holds the EGN');
    assert.ok(found.includes('mobile customer phone'), 'the decrypted input holds the phone number');
    assert.ok(found.includes('mobile customer e-mail'), 'the decrypted input holds the e-mail');
    assert.deepEqual(findMarkers(payload.data ?? new Uint8Array(), markers), []);
  });

  it('stores no personal data, PDF, token or key in any raw workflow history', async () => {
    const runs = await everyRun(stack, workflowIds);

    for (const run of runs) {
      const bytes = await rawHistory(stack.rawClient, run);
      assert.ok(bytes.length > 0);
      assertNoMarkers(`the history of ${run.workflowId} (run ${run.runId})`, bytes, markers);
    }
  });

  it('shows none of it in search attributes, memo or pending state of any workflow', async () => {
    const runs = await everyRun(stack, workflowIds);

    for (const run of runs) {
      assertNoMarkers(
        `the description of ${run.workflowId}`,
        await rawDescription(stack.rawClient, run),
        markers,
      );
    }
    for (const workflowId of workflowIds) {
      const summary = await stack.flows.describe(workflowId);
      assert.equal(summary.status, 'COMPLETED');
      assertNoMarkers(`the search attributes of ${workflowId}`, JSON.stringify(summary), markers);
    }
  });

  it('writes none of it to the worker log', () => {
    const log = stack.worker.logs.join('\n');

    for (const message of [
      'mobile identification finished',
      'sign session started',
      'BORICA callback received',
    ]) {
      assert.ok(log.includes(message), `the captured worker log has "${message}"`);
    }
    assertNoMarkers('the worker log', log, markers);
  });

  it('writes none of it to the receiver log', () => {
    const log = stack.receiverLogs.join('\n');

    assert.ok(log.includes('callback handled'), 'the captured receiver log has the callbacks');
    assertNoMarkers('the receiver log', log, markers);
  });

  it('writes none of it to the sandbox log', () => {
    assertNoMarkers('the sandbox log', stack.sandboxLogs.join('\n'), markers);
  });

  it('keeps every PDF in the document store encrypted', async () => {
    const files = await readdir(stack.documentsDir);
    // Three eID certificates, two documents to sign and their two signed copies.
    assert.ok(files.length >= 7, `expected at least 7 documents, found ${files.length}`);

    for (const file of files) {
      const bytes = await readFile(join(stack.documentsDir, file));
      assertNoMarkers(`the stored document ${file}`, bytes, markers);
    }
  });
});

// ---------------------------------------------------------------------------------------------

async function runEveryScenario(stack: Stack, workflowIds: string[]): Promise<void> {
  workflowIds.push(await identifiedOnMobile(stack));
  workflowIds.push(await rejectedOnMobile(stack));

  const web = await identifiedOnWeb(stack);
  workflowIds.push(web.workflowId);
  workflowIds.push(await signed(stack, web.clientIdentifier, web.signSessionId));
  workflowIds.push(await onboardedAndSigned(stack));
}

async function identifiedOnMobile(stack: Stack): Promise<string> {
  const { workflowId } = await stack.flows.startMobileIdentification({
    externalRef: 'privacy-mobile',
    person: { docType: 'EGN', ...pick(mobileCustomer) },
    phoneNumber: mobileCustomer.phone,
    email: mobileCustomer.email,
    reason: 'privacy probe: mobile',
    pollIntervalMs: 1000,
  });
  const callbackId = await mobileCallbackId(stack, workflowId);
  await stack.sandbox.control.mobile(callbackId, 'complete', { name: mobileCustomer.name });

  const result = await stack.flows.result(workflowId);
  assert.equal(result.outcome, 'identified');
  return workflowId;
}

async function rejectedOnMobile(stack: Stack): Promise<string> {
  const { workflowId } = await stack.flows.startMobileIdentification({
    externalRef: 'privacy-mobile-rejected',
    person: { docType: 'EGN', ...pick(rejectingCustomer) },
    phoneNumber: rejectingCustomer.phone,
    email: rejectingCustomer.email,
    reason: 'privacy probe: mobile rejected',
    pollIntervalMs: 1000,
  });
  await stack.sandbox.control.mobile(await mobileCallbackId(stack, workflowId), 'reject');

  assert.equal((await stack.flows.result(workflowId)).outcome, 'rejected');
  return workflowId;
}

async function identifiedOnWeb(stack: Stack) {
  const started = await stack.flows.startWebIdentification({
    externalRef: 'privacy-web',
    reason: 'privacy probe: web',
    ...urls,
  });
  await completeAs(stack, started.redirectUrl, webName);

  const result = await stack.flows.result(started.workflowId);
  assert.equal(result.outcome, 'identified');
  if (result.outcome !== 'identified') throw new Error('not identified');
  return { workflowId: started.workflowId, ...result };
}

async function signed(stack: Stack, identifier: string, signSessionId: string): Promise<string> {
  const signing = await stack.flows.requestSignatures({
    externalRef: 'privacy-sign',
    identifier,
    signSessionId,
    ...urls,
    documents: [await documentUpload('Privacy contract')],
  });
  await stack.sandbox.control.sign(lastSegment(signing.clientDocumentUrl), 'sign');

  assert.equal((await stack.flows.result(signing.workflowId)).outcome, 'signed');
  return signing.workflowId;
}

async function onboardedAndSigned(stack: Stack): Promise<string> {
  const started = await stack.flows.startOnboardAndSign({
    externalRef: 'privacy-onboard',
    reason: 'privacy probe: onboarding',
    ...urls,
  });
  await completeAs(stack, started.redirectUrl, onboardName);
  await waitForPhase(stack.flows, started.workflowId, 'ready-to-sign');

  const round = await stack.flows.requestOnboardingSignatures(started.workflowId, {
    ...urls,
    documents: [await documentUpload('Privacy loan agreement')],
  });
  await stack.sandbox.control.sign(lastSegment(round.clientDocumentUrl), 'sign');
  await waitForPhase(stack.flows, started.workflowId, 'ready-to-sign', (status) => status.rounds === 1);
  await stack.flows.finishOnboarding(started.workflowId);

  const result = await stack.flows.result(started.workflowId);
  assert.equal(result.ended, 'finished');
  assert.deepEqual(
    result.rounds.map((r) => r.outcome),
    ['signed'],
  );
  return started.workflowId;
}

async function completeAs(stack: Stack, redirectUrl: string, name: string): Promise<void> {
  await stack.sandbox.control.web(lastSegment(redirectUrl), 'open');
  await stack.sandbox.control.web(lastSegment(redirectUrl), 'complete', { name });
}

function pick(person: { identificatorValue: string; dateOfBirth: string }) {
  return { identificatorValue: person.identificatorValue, dateOfBirth: person.dateOfBirth };
}

/** The people, PDFs, callback tokens, the callback secret and the payload key. */
function everyMarker(stack: Stack, workflowIds: readonly string[]): Marker[] {
  const secret = stack.env.CALLBACK_SECRET ?? '';
  const key = (stack.env.PAYLOAD_ENCRYPTION_KEYS ?? '').split(':')[1] ?? '';
  const webPeople = [
    { who: 'web customer', name: webName },
    { who: 'onboarded customer', name: onboardName },
  ].flatMap(({ who, name }) => {
    const { identificatorValue, dateOfBirth } = webPerson(name);
    assert.ok(dateOfBirth, 'the sandbox gives web customers a birth date');
    return personMarkers(who, { identificatorValue, dateOfBirth, name });
  });

  return [
    ...personMarkers('mobile customer', mobileCustomer),
    ...personMarkers('rejecting customer', rejectingCustomer),
    ...webPeople,
    ...PDF_MARKERS,
    ...workflowIds.map((id) => ({ label: `callback token of ${id}`, value: callbackTokenFor(secret, id) })),
    { label: 'callback secret', value: secret },
    { label: 'payload encryption key', value: key },
  ];
}

/** Every run of the flows (continued-as-new runs too), once visibility lists them all. */
async function everyRun(stack: Stack, workflowIds: readonly string[]): Promise<Execution[]> {
  for (let attempt = 0; attempt < 100; attempt++) {
    const runs = await listExecutions(stack.rawClient);
    const listed = new Set(runs.map((run) => run.workflowId));
    if (workflowIds.every((id) => listed.has(id))) return runs;
    await sleep(100);
  }
  throw new Error('visibility did not list every workflow in 10 s');
}
