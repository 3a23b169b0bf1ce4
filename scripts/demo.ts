/**
 * `npm run demo`: runs each scenario end to end against the local stack (`npm run dev`), with
 * the sandbox playing the customer, and says what happens and where to look in the Web UI.
 */
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { PDFDocument, StandardFonts } from 'pdf-lib';
import { createFileDocumentStore } from '../activities/document-store';
import { type BoricaFlows, connectBoricaFlows } from '../client';
import { encryptionSection, loadConfigOrExit, storeSection, temporalSection } from '../common/config';
import { temporalConnectionOptions } from '../common/temporal-connection';
import type { DocumentRef, WorkflowStatus } from '../workflows/definitions';

const WEB_UI = process.env.TEMPORAL_UI_URL ?? 'http://localhost:8233';
const CONTROL_URL = process.env.BORICA_SANDBOX_CONTROL_URL ?? 'http://127.0.0.1:8088/_sandbox';
const stateDir = resolve(__dirname, '..', '.local', 'dev');
const outputDir = join(stateDir, 'demo');
const run = Date.now().toString(36);

/** The guide's own example person; the EGN's check digit and birth date are consistent. */
const person = { docType: 'EGN', identificatorValue: '7805166742', dateOfBirth: '16-05-1978' } as const;
const urls = {
  successUrl: 'https://relying-party.example/ok',
  cancelUrl: 'https://relying-party.example/cancel',
};

async function main(): Promise<void> {
  const config = loadConfigOrExit(
    { temporal: temporalSection, store: storeSection, encryption: encryptionSection },
    withLocalStackDefaults(process.env),
  );
  const flows = await connectBoricaFlows({
    ...temporalConnectionOptions(config.temporal),
    namespace: config.temporal.namespace,
    taskQueue: config.temporal.taskQueue,
    keys: config.encryption.keys,
    documents: createFileDocumentStore({ dir: config.store.dir, keys: config.encryption.keys }),
  });
  await mkdir(outputDir, { recursive: true });

  try {
    await mobileIdentification(flows);
    const identified = await webIdentification(flows);
    await otcSigning(flows, identified);
    await onboardAndSign(flows);
  } finally {
    await flows.close();
  }
  say(`\nAll four scenarios completed. PDFs are in ${outputDir}.`);
  say(`Open ${WEB_UI} and filter with: BoricaExternalRef STARTS_WITH "demo-${run}"`);
}

/** Run on its own, next to `npm run dev`, the demo uses that stack's keys and document store. */
function withLocalStackDefaults(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const secretsFile = join(stateDir, 'secrets.json');
  const secrets = existsSync(secretsFile)
    ? (JSON.parse(readFileSync(secretsFile, 'utf8')) as Record<string, string>)
    : {};
  return {
    TEMPORAL_ADDRESS: '127.0.0.1:7233',
    DOCUMENT_STORE_DIR: join(stateDir, 'documents'),
    PAYLOAD_ENCRYPTION_KEYS: secrets.PAYLOAD_ENCRYPTION_KEYS,
    ...env,
  };
}

async function mobileIdentification(flows: BoricaFlows): Promise<void> {
  heading('1. B-Trust MOBILE identification');
  await control('PUT', '/autopilot', { mobile: { outcome: 'complete', afterMs: 3000 } });

  const { workflowId } = await flows.startMobileIdentification({
    externalRef: `demo-${run}-mobile`,
    person,
    phoneNumber: '+359888133443',
    email: 'customer@example.com',
    reason: 'Opening a savings account',
    pollIntervalMs: 1000,
  });
  say(`started ${workflowId}; the customer confirms on the phone in a few seconds`);
  await followUntilDone(flows, workflowId);

  const result = await flows.result(workflowId);
  if (result.outcome !== 'identified') throw new Error(`mobile identification ended ${result.outcome}`);
  await save(flows, result.certificate, 'mobile-eid-certificate.pdf');
}

async function webIdentification(flows: BoricaFlows): Promise<{ identifier: string; signSessionId: string }> {
  heading('2. Web (video) identification');
  const started = await flows.startWebIdentification({
    externalRef: `demo-${run}-web`,
    reason: 'Opening a current account',
    ...urls,
  });
  say(`started ${started.workflowId}`);
  say(`redirect the customer to ${started.redirectUrl} (valid until ${started.expiresAt})`);

  await customerCompletesIdentification(started.redirectUrl);
  await followUntilDone(flows, started.workflowId);

  const result = await flows.result(started.workflowId);
  if (result.outcome !== 'identified') throw new Error(`web identification ended ${result.outcome}`);
  await save(flows, result.certificate, 'web-eid-certificate.pdf');
  say(`sign session valid until ${result.signSessionExpiresAt}`);
  return { identifier: result.clientIdentifier, signSessionId: result.signSessionId };
}

async function otcSigning(
  flows: BoricaFlows,
  identified: { identifier: string; signSessionId: string },
): Promise<void> {
  heading('3. OTC signing after the web identification');
  const started = await flows.requestSignatures({
    externalRef: `demo-${run}-sign`,
    ...identified,
    ...urls,
    documents: [await documentToSign('Account agreement')],
  });
  say(`started ${started.workflowId}`);
  say(`send the customer to ${started.clientDocumentUrl} to read and sign`);

  await customerSigns(started.clientDocumentUrl);
  await followUntilDone(flows, started.workflowId);

  const result = await flows.result(started.workflowId);
  if (result.outcome !== 'signed') throw new Error(`signing ended ${result.outcome}`);
  for (const signed of result.documents) await save(flows, signed.document, `signed-${signed.fileName}`);
}

async function onboardAndSign(flows: BoricaFlows): Promise<void> {
  heading('4. Onboarding, then two signing rounds');
  const started = await flows.startOnboardAndSign({
    externalRef: `demo-${run}-onboard`,
    reason: 'Consumer loan',
    ...urls,
  });
  say(`started ${started.workflowId}; redirect the customer to ${started.redirectUrl}`);
  await customerCompletesIdentification(started.redirectUrl);
  await waitForPhase(flows, started.workflowId, 'ready-to-sign');

  for (const title of ['Loan agreement', 'Insurance policy']) {
    const round = await flows.requestOnboardingSignatures(started.workflowId, {
      ...urls,
      documents: [await documentToSign(title)],
    });
    say(`round "${title}": customer signs at ${round.clientDocumentUrl}`);
    await customerSigns(round.clientDocumentUrl);
    await waitForPhase(flows, started.workflowId, 'ready-to-sign');
  }

  await flows.finishOnboarding(started.workflowId);
  const result = await flows.result(started.workflowId);
  say(`ended: ${result.ended}, ${result.rounds.length} signing rounds`);
  for (const [index, round] of result.rounds.entries()) {
    if (round.outcome !== 'signed') continue;
    for (const signed of round.documents)
      await save(flows, signed.document, `onboard-round-${index + 1}-${signed.fileName}`);
  }
}

/** The sandbox plays the customer: opens the video page, then completes the identification. */
async function customerCompletesIdentification(redirectUrl: string): Promise<void> {
  const sessionId = lastSegment(redirectUrl);
  await sleep(1000);
  await control('POST', `/web/${sessionId}/open`);
  say('customer opened the video identification page');
  await sleep(1500);
  await control('POST', `/web/${sessionId}/complete`);
  say('customer completed the video identification; BORICA sends the callback');
}

async function customerSigns(clientDocumentUrl: string): Promise<void> {
  await sleep(1500);
  await control('POST', `/sign/${lastSegment(clientDocumentUrl)}/sign`);
  say('customer entered the SMS code and signed; BORICA sends the callback');
}

async function followUntilDone(flows: BoricaFlows, workflowId: string): Promise<void> {
  let last = '';
  for (;;) {
    const summary = await flows.describe(workflowId);
    const status = summary.status === 'RUNNING' ? await flows.status(workflowId) : undefined;
    const line = describeStatus(summary.phase, status);
    if (line !== last) say(`  phase: ${line}`);
    last = line;
    if (summary.status !== 'RUNNING') return;
    await sleep(500);
  }
}

async function waitForPhase(flows: BoricaFlows, workflowId: string, phase: string): Promise<void> {
  for (;;) {
    const status = await flows.status(workflowId);
    if (status.phase === phase) return;
    await sleep(300);
  }
}

function describeStatus(phase: string | undefined, status: WorkflowStatus | undefined): string {
  if (!status) return phase ?? 'unknown';
  const deadline = status.deadline ? `, waiting until ${status.deadline.at} (${status.deadline.name})` : '';
  const borica = status.boricaStatus ? `, BORICA says ${status.boricaStatus}` : '';
  return `${status.phase}${deadline}${borica}`;
}

async function save(flows: BoricaFlows, ref: DocumentRef, fileName: string): Promise<void> {
  const path = join(outputDir, `${run}-${fileName}`);
  await writeFile(path, await flows.readDocument(ref));
  say(`saved ${path} (${ref.size} bytes)`);
}

async function documentToSign(title: string) {
  const pdf = await PDFDocument.create();
  const page = pdf.addPage([595, 842]);
  const font = await pdf.embedFont(StandardFonts.Helvetica);
  page.drawText(title, { x: 72, y: 760, size: 20, font });
  page.drawText('Demo document produced by borica-flows.', { x: 72, y: 720, size: 12, font });
  return {
    content: await pdf.save(),
    fileName: `${title.toLowerCase().replaceAll(' ', '-')}.pdf`,
    legalFileName: title,
    padesVisualSignature: true,
    signaturePosition: { pageNumber: 1, imageXAxis: 72, imageYAxis: 600, imageWidth: 200, imageHeight: 60 },
  };
}

async function control(method: 'POST' | 'PUT', path: string, body?: unknown): Promise<void> {
  const response = await fetch(`${CONTROL_URL}${path}`, {
    method,
    headers: { 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  if (!response.ok) throw new Error(`sandbox control ${method} ${path} answered ${response.status}`);
}

function lastSegment(url: string): string {
  return new URL(url).pathname.split('/').filter(Boolean).at(-1) ?? '';
}

function heading(text: string): void {
  say(`\n== ${text}`);
}

function say(text: string): void {
  console.log(text);
}

main().catch((error: unknown) => {
  console.error(`demo failed: ${error instanceof Error ? error.message : String(error)}`);
  process.exitCode = 1;
});
