import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Client } from '@temporalio/client';
import { DocumentNotFoundError } from '../../activities/document-store';
import {
  BoricaFlows,
  ClientConfigurationError,
  connectBoricaFlows,
  FlowClosedError,
  FlowFailedError,
  FlowNotFoundError,
  InputError,
  RequestRefusedError,
  TemporalUnavailableError,
} from '../../client';
import type {
  DocumentRef,
  MobileIdentificationInput,
  OtcSigningInput,
  SigningRequest,
} from '../../workflows/definitions';
import { workflowIdFor } from '../../workflows/definitions';
import {
  completeSignal,
  EXPIRES_AT,
  handledUpdatesQuery,
  recordedInputQuery,
  recordedRoundsQuery,
} from './fixtures/workflows';
import { type Harness, pdf, startHarness } from './support';

const urls = { successUrl: 'https://bank.example/ok', cancelUrl: 'https://bank.example/cancel' };

let harness: Harness;
let flows: BoricaFlows;
let refs = 0;

/** A fresh external reference per test, so tests never see each other's workflows. */
function newRef(label: string): string {
  refs += 1;
  return `${label}-${process.pid}-${refs}`;
}

function mobileInput(externalRef: string): MobileIdentificationInput {
  return {
    externalRef,
    person: { docType: 'EGN', identificatorValue: '7805166742', dateOfBirth: '16-05-1978' },
    phoneNumber: '+359888133443',
    email: 'customer@example.bg',
    reason: 'Consumer loan application',
  };
}

async function visibleFlows(
  filter: Parameters<BoricaFlows['list']>[0],
  externalRef: string,
  expected: number,
) {
  // Visibility is eventually consistent: ask until the expected count shows, then once more.
  for (let attempt = 0; attempt < 50; attempt += 1) {
    const page = await flows.list(filter);
    const matching = page.flows.filter((flow) => flow.externalRef === externalRef);
    if (matching.length >= expected) return matching;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  return (await flows.list(filter)).flows.filter((flow) => flow.externalRef === externalRef);
}

before(async () => {
  harness = await startHarness();
  flows = new BoricaFlows({
    client: harness.client,
    taskQueue: harness.taskQueue,
    documents: harness.documents,
  });
});

after(async () => {
  await harness?.stop();
});

describe('BoricaFlows against a Temporal dev server', () => {
  it('refuses a Temporal client that does not encrypt payloads', () => {
    const plain = new Client({ connection: harness.env.connection });
    assert.throws(
      () => new BoricaFlows({ client: plain, taskQueue: harness.taskQueue, documents: harness.documents }),
      ClientConfigurationError,
    );
  });

  it('starts one workflow when the same external reference is sent twice', async () => {
    const externalRef = newRef('mobile-twice');

    const first = await flows.startMobileIdentification(mobileInput(externalRef));
    const second = await flows.startMobileIdentification(mobileInput(externalRef));

    assert.equal(first.workflowId, workflowIdFor('mobile-identification', externalRef));
    assert.deepEqual(second, first);
    const listed = await visibleFlows({ scenario: 'mobile-identification' }, externalRef, 1);
    assert.equal(listed.length, 1);
    assert.deepEqual(
      { scenario: listed[0]?.scenario, phase: listed[0]?.phase, status: listed[0]?.status },
      { scenario: 'mobile-identification', phase: 'requesting', status: 'RUNNING' },
    );
  });

  it('refuses to start again once the workflow for an external reference has ended', async () => {
    const externalRef = newRef('mobile-ended');
    const { workflowId } = await flows.startMobileIdentification(mobileInput(externalRef));
    await harness.client.workflow
      .getHandle(workflowId)
      .signal(completeSignal, { outcome: 'expired', validity: EXPIRES_AT });

    assert.deepEqual(await flows.result(workflowId), { outcome: 'expired', validity: EXPIRES_AT });
    await assert.rejects(flows.startMobileIdentification(mobileInput(externalRef)), FlowClosedError);
  });

  it('hands the workflow the validated input with personal data only inside encrypted payloads', async () => {
    const externalRef = newRef('mobile-input');
    const { workflowId } = await flows.startMobileIdentification(mobileInput(externalRef));

    const recorded = await harness.client.workflow.getHandle(workflowId).query(recordedInputQuery);
    assert.deepEqual(recorded, mobileInput(externalRef));

    const history = await harness.env.client.workflow.getHandle(workflowId).fetchHistory();
    assert.doesNotMatch(JSON.stringify(history), /7805166742|customer@example/);
  });

  it('returns the customer redirect URL in the same call that starts a web identification', async () => {
    const externalRef = newRef('web');

    const started = await flows.startWebIdentification({ externalRef, reason: 'Account opening', ...urls });

    assert.equal(started.workflowId, workflowIdFor('web-identification', externalRef));
    assert.equal(started.redirectUrl, 'https://id.example/session/1');
    assert.equal(started.expiresAt, EXPIRES_AT);
    assert.match(started.runId, /^[0-9a-f-]{36}$/);
  });

  it('answers a repeated web identification start with the first redirect, asking the workflow once', async () => {
    const externalRef = newRef('web-twice');

    const first = await flows.startWebIdentification({ externalRef, reason: 'Account opening', ...urls });
    const second = await flows.startWebIdentification({ externalRef, reason: 'Account opening', ...urls });

    assert.deepEqual(second, first);
    const handled = await harness.client.workflow.getHandle(first.workflowId).query(handledUpdatesQuery);
    assert.deepEqual(handled, { customerRedirect: 1 });
  });

  it('stores the documents and gives the signing workflow only their references', async () => {
    const externalRef = newRef('sign');
    const contract = pdf('loan contract');
    const terms = pdf('general terms');

    const started = await flows.requestSignatures({
      externalRef,
      identifier: 'bf821d16f6e0dd070a6a0035e524285c78ab59d7c8d03622f43088ba0e5ea30c',
      signSessionId: '43c1cd77-a2bc-42c7-9c6d-96e3dc2ebd71',
      documents: [
        { content: contract, fileName: 'contract.pdf', legalFileName: 'Loan contract' },
        {
          content: terms.toString('base64'),
          fileName: 'terms.pdf',
          legalFileName: 'General terms',
          signaturePosition: {
            imageHeight: 50,
            imageWidth: 150,
            imageXAxis: 40,
            imageYAxis: 700,
            pageNumber: 1,
          },
        },
      ],
      ...urls,
    });

    assert.equal(started.clientDocumentUrl, 'https://sign.example/document/1');
    const recorded = (await harness.client.workflow
      .getHandle(started.workflowId)
      .query(recordedInputQuery)) as OtcSigningInput;
    assert.deepEqual(
      recorded.documents.map((document) => Object.keys(document).sort()),
      [
        ['document', 'fileName', 'legalFileName', 'padesVisualSignature'],
        ['document', 'fileName', 'legalFileName', 'padesVisualSignature', 'signaturePosition'],
      ],
    );
    assert.deepEqual(
      recorded.documents.map((document) => document.padesVisualSignature),
      [false, true],
    );
    assert.doesNotMatch(JSON.stringify(recorded), /loan contract|general terms|JVBER/);
    assert.deepEqual(await flows.readDocument(recorded.documents[0]!.document), contract);
    assert.deepEqual(await flows.readDocument(recorded.documents[1]!.document), terms);

    assert.equal(await flows.deleteDocument(recorded.documents[0]!.document), true);
    await assert.rejects(flows.readDocument(recorded.documents[0]!.document), DocumentNotFoundError);
    assert.equal(await flows.deleteDocument(recorded.documents[0]!.document), false);
    await assert.rejects(flows.deleteDocument({ id: 'x' } as DocumentRef), InputError);
  });

  it('starts nothing when the input is invalid', async () => {
    const externalRef = newRef('invalid');
    const input = mobileInput(externalRef);
    const invalid = { ...input, person: { ...input.person, identificatorValue: '7805166743' } };

    await assert.rejects(flows.startMobileIdentification(invalid), (error: unknown) => {
      assert.ok(error instanceof InputError);
      assert.equal(error.field, 'person.identificatorValue');
      assert.doesNotMatch(error.message, /7805166743/);
      return true;
    });
    await assert.rejects(
      flows.describe(workflowIdFor('mobile-identification', externalRef)),
      FlowNotFoundError,
    );
    assert.deepEqual(await visibleFlows({ scenario: 'mobile-identification' }, externalRef, 0), []);
  });

  it('refuses a signing request whose document is not a PDF, before storing anything', async () => {
    const externalRef = newRef('not-pdf');

    await assert.rejects(
      flows.requestSignatures({
        externalRef,
        identifier: 'abc',
        signSessionId: 'def',
        documents: [{ content: Buffer.from('hello'), fileName: 'a.pdf', legalFileName: 'A' }],
        ...urls,
      }),
      (error: unknown) => error instanceof InputError && error.field === 'documents.0.content',
    );
    await assert.rejects(flows.describe(workflowIdFor('otc-signing', externalRef)), FlowNotFoundError);
  });

  it('runs signing rounds of an onboarding, one per round reference, then finishes it', async () => {
    const externalRef = newRef('onboard');
    const started = await flows.startOnboardAndSign({ externalRef, reason: 'Onboarding', ...urls });
    const round = {
      roundRef: 'round-1',
      documents: [{ content: pdf('round one'), fileName: 'one.pdf', legalFileName: 'One' }],
      ...urls,
    };

    const first = await flows.requestOnboardingSignatures(started.workflowId, round);
    const repeated = await flows.requestOnboardingSignatures(started.workflowId, round);
    await flows.finishOnboarding(started.workflowId);

    assert.equal(started.redirectUrl, 'https://id.example/session/1');
    assert.deepEqual(first, { clientDocumentUrl: 'https://sign.example/round/1', expiresAt: EXPIRES_AT });
    assert.deepEqual(repeated, first);
    const rounds: SigningRequest[] = await harness.client.workflow
      .getHandle(started.workflowId)
      .query(recordedRoundsQuery);
    assert.equal(rounds.length, 1);
    assert.deepEqual((await flows.result(started.workflowId)).ended, 'finished');
  });

  it('reports a request the workflow does not accept as refused', async () => {
    const { workflowId } = await flows.startWebIdentification({
      externalRef: newRef('refused'),
      reason: 'x',
      ...urls,
    });

    await assert.rejects(
      flows.requestOnboardingSignatures(workflowId, {
        documents: [{ content: pdf('x'), fileName: 'x.pdf', legalFileName: 'X' }],
        ...urls,
      }),
      RequestRefusedError,
    );
  });

  it('reports the status the workflow gives and its phase from visibility', async () => {
    const externalRef = newRef('status');
    const { workflowId } = await flows.startMobileIdentification(mobileInput(externalRef));

    assert.deepEqual(await flows.status(workflowId), {
      scenario: 'mobile-identification',
      phase: 'awaiting-customer',
      externalRef,
    });
    const described = await flows.describe(workflowId);
    assert.equal(described.phase, 'requesting');
    assert.equal(described.externalRef, externalRef);
  });

  it('cancels a workflow, whose result then says it was cancelled', async () => {
    const { workflowId } = await flows.startMobileIdentification(mobileInput(newRef('cancel')));

    await flows.cancel(workflowId);

    await assert.rejects(
      flows.result(workflowId),
      (error: unknown) => error instanceof FlowFailedError && error.ending === 'cancelled',
    );
    await flows.cancel(workflowId);
    await assert.rejects(flows.finishOnboarding(workflowId), FlowClosedError);
  });

  it('says so when a workflow id is unknown', async () => {
    const workflowId = workflowIdFor('web-identification', newRef('unknown'));

    await assert.rejects(flows.status(workflowId), FlowNotFoundError);
    await assert.rejects(flows.cancel(workflowId), FlowNotFoundError);
    await assert.rejects(flows.finishOnboarding(workflowId), FlowNotFoundError);
  });

  it('pages through the list of workflows', async () => {
    const externalRef = newRef('paged');
    await flows.startMobileIdentification(mobileInput(`${externalRef}-a`));
    await flows.startMobileIdentification(mobileInput(`${externalRef}-b`));
    await visibleFlows({ scenario: 'mobile-identification' }, `${externalRef}-b`, 1);

    const first = await flows.list({ scenario: 'mobile-identification', pageSize: 1 });
    assert.equal(first.flows.length, 1);
    assert.ok(first.nextPageToken);
    const second = await flows.list({
      scenario: 'mobile-identification',
      pageSize: 1,
      pageToken: first.nextPageToken,
    });
    assert.equal(second.flows.length, 1);
    assert.notEqual(second.flows[0]?.workflowId, first.flows[0]?.workflowId);
  });

  it('reports an unreachable Temporal service as unavailable', async () => {
    await assert.rejects(
      connectBoricaFlows({
        address: '127.0.0.1:1',
        taskQueue: 'none',
        keys: harness.keys,
        documents: harness.documents,
        connectTimeoutMs: 1_000,
      }),
      TemporalUnavailableError,
    );
  });
});
