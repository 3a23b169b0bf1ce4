import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { WorkflowFailedError, WorkflowUpdateFailedError } from '@temporalio/client';
import { CancelledFailure } from '@temporalio/common';
import type { DocumentStore } from '../../activities/document-store';
import { BoricaHttpError } from '../../borica/errors';
import {
  boricaCallbackSignal,
  type CallbackHint,
  customerRedirectUpdate,
  documentUrlUpdate,
  finishSignal,
  type OnboardAndSignInput,
  type OtcSigningInput,
  phaseAttribute,
  requestSignaturesUpdate,
  resultIdAttribute,
  type SigningRequest,
  statusQuery,
  workflowIdFor,
} from '../../workflows/definitions';
import { type onboardAndSignWorkflow, ROUNDS_PER_RUN } from '../../workflows/onboard-and-sign';
import type { otcSigningWorkflow } from '../../workflows/otc-signing';
import { type FakeBorica, type FakeSigning, signedCopy } from './fake-borica';
import { Harness, type TestContext, until } from './harness';

const harness = new Harness();
const CONTRACT = Buffer.from('%PDF-1.7\nLoan agreement\n%%EOF\n');

async function signingRequest(documents: DocumentStore, content = CONTRACT): Promise<SigningRequest> {
  return {
    documents: [
      {
        document: await documents.put(content),
        fileName: 'contract.pdf',
        legalFileName: 'Loan agreement',
        padesVisualSignature: true,
        signaturePosition: {
          imageHeight: 50,
          imageWidth: 150,
          imageXAxis: 40,
          imageYAxis: 700,
          pageNumber: 1,
        },
      },
    ],
    successUrl: 'https://bank.example.test/signed',
    cancelUrl: 'https://bank.example.test/refused',
  };
}

function signHint(signing: FakeSigning): CallbackHint {
  return {
    processState: 'SIGN_SESSION',
    sessionId: signing.request.signSessionId,
    resultId: signing.resultId,
    requestId: '327',
  };
}

/** A completed web identification in the fake, as scenario 3 starts from. */
async function identifiedCustomer(fake: FakeBorica): Promise<{ identifier: string; signSessionId: string }> {
  const started = await fake.startWebIdentification({
    requestCallbackUrl: 'https://callbacks.example.test/x',
    identificationReason: 'test',
  });
  const results = await fake.getWebIdentificationResults({
    resultId: started.data.resultId,
    processState: 'CREATE_SIGN_SESSION_REQUEST',
    sessionId: started.data.webSessionId,
  });
  return { identifier: results.data.clientIdentifier, signSessionId: results.data.signSessionId };
}

async function startOtc(context: TestContext) {
  const customer = await identifiedCustomer(context.fake);
  const args: OtcSigningInput = {
    externalRef: `contract-${randomUUID()}`,
    ...customer,
    ...(await signingRequest(context.documents)),
  };
  return context.start<typeof otcSigningWorkflow>('otcSigningWorkflow', {
    taskQueue: context.taskQueue,
    workflowId: workflowIdFor('otc-signing', args.externalRef),
    args: [args],
  });
}

/** An update failure carries the reason as its cause. */
async function rejectsWith(update: Promise<unknown>, reason: RegExp): Promise<void> {
  await assert.rejects(update, (error: unknown) => {
    assert.ok(error instanceof WorkflowUpdateFailedError);
    assert.match(String((error.cause as Error | undefined)?.message), reason);
    return true;
  });
}

before(() => harness.setUp());
after(() => harness.tearDown());

describe('otcSigningWorkflow', () => {
  it('indexes the sign result before handing out the URL, then stores the signed documents', () =>
    harness.run(async (context) => {
      const handle = await startOtc(context);

      const url = await handle.executeUpdate(documentUrlUpdate);
      const signing = context.fake.lastSigning();
      assert.equal(url.clientDocumentUrl, `https://sign.example.test/doc/${signing.resultId}`);
      assert.equal((await handle.describe()).typedSearchAttributes.get(resultIdAttribute), signing.resultId);
      const sent = signing.request.documentsForSign[0];
      assert.ok(sent);
      assert.deepEqual(Buffer.from(sent.contentAsBase64, 'base64'), CONTRACT);

      context.fake.completeSigning(signing);
      await handle.signal(boricaCallbackSignal, signHint(signing));
      const result = await handle.result();

      assert.equal(result.outcome, 'signed');
      assert.equal(result.documents.length, 1);
      const [signed] = result.documents;
      assert.ok(signed);
      assert.equal(signed.fileName, 'contract.pdf');
      assert.deepEqual(await context.documents.get(signed.document), signedCopy(sent));
      assert.equal(result.signSessionId, `${signing.request.signSessionId}+`);
    }));

  it('returns refused when the customer declines to sign', () =>
    harness.run(async (context) => {
      const handle = await startOtc(context);
      await handle.executeUpdate(documentUrlUpdate);
      const signing = context.fake.lastSigning();

      signing.status = 'PROCESS_IS_CANCELED_BY_USER';
      await handle.signal(boricaCallbackSignal, signHint(signing));

      assert.deepEqual(await handle.result(), { outcome: 'refused' });
      assert.equal((await handle.describe()).typedSearchAttributes.get(phaseAttribute), 'refused');
    }));

  it('expires when the document URL does, a day later, after one last check', () =>
    harness.run(async (context) => {
      const handle = await startOtc(context);
      const url = await handle.executeUpdate(documentUrlUpdate);

      const result = await handle.result();

      assert.deepEqual(result, { outcome: 'expired', deadline: { name: 'document-url', at: url.expiresAt } });
      const lastCheck = context.fake.calls
        .filter((call) => call.operation === 'getWebIdentificationStatus')
        .at(-1);
      assert.ok(lastCheck && lastCheck.at >= Date.parse(url.expiresAt));
    }));

  it('closes as cancelled while the customer has the document', () =>
    harness.run(
      async (context) => {
        const handle = await startOtc(context);
        await handle.executeUpdate(documentUrlUpdate);

        await handle.cancel();

        await assert.rejects(
          handle.result(),
          (error: unknown) => error instanceof WorkflowFailedError && error.cause instanceof CancelledFailure,
        );
        assert.equal((await handle.query(statusQuery)).phase, 'cancelled');
      },
      { cancels: true },
    ));
});

describe('onboardAndSignWorkflow', () => {
  async function startOnboarding(context: TestContext) {
    const args: OnboardAndSignInput = {
      externalRef: `customer-${randomUUID()}`,
      reason: 'Onboarding',
      successUrl: 'https://bank.example.test/done',
      cancelUrl: 'https://bank.example.test/cancelled',
    };
    const handle = await context.start<typeof onboardAndSignWorkflow>('onboardAndSignWorkflow', {
      taskQueue: context.taskQueue,
      workflowId: workflowIdFor('onboard-and-sign', args.externalRef),
      args: [args],
    });
    return { handle, args };
  }

  async function identify(context: TestContext) {
    const { handle, args } = await startOnboarding(context);
    await handle.executeUpdate(customerRedirectUpdate);
    const web = context.fake.web(args.externalRef);
    context.fake.completeIdentification(web);
    await handle.signal(boricaCallbackSignal, {
      processState: 'CREATE_SIGN_SESSION_REQUEST',
      sessionId: web.webSessionId,
      resultId: web.resultId,
      requestId: '1',
    });
    await until(handle, (status) => status.phase === 'ready-to-sign');
    return handle;
  }

  it('identifies, signs two rounds on the renewed sign session, then finishes', () =>
    harness.run(async (context) => {
      const handle = await identify(context);

      const signings: FakeSigning[] = [];
      for (const content of ['first', 'second']) {
        await handle.executeUpdate(requestSignaturesUpdate, {
          args: [await signingRequest(context.documents, Buffer.from(`%PDF ${content}`))],
        });
        const signing = context.fake.lastSigning();
        signings.push(signing);
        assert.equal(
          (await handle.describe()).typedSearchAttributes.get(resultIdAttribute),
          signing.resultId,
        );
        context.fake.completeSigning(signing);
        await handle.signal(boricaCallbackSignal, {
          processState: 'SIGN_SESSION',
          sessionId: signing.request.signSessionId,
          resultId: signing.resultId,
          requestId: '2',
        });
        await until(
          handle,
          (status) => status.phase === 'ready-to-sign' && status.rounds === signings.length,
        );
      }
      await handle.signal(finishSignal);
      const result = await handle.result();

      assert.equal(result.ended, 'finished');
      assert.equal(result.identification.outcome, 'identified');
      assert.deepEqual(
        result.rounds.map((round) => round.outcome),
        ['signed', 'signed'],
      );
      const [first, second] = signings;
      assert.ok(first && second);
      assert.equal(
        second.request.signSessionId,
        `${first.request.signSessionId}+`,
        'round two used the renewed session',
      );
      assert.equal((await handle.query(statusQuery)).phase, 'finished');
    }));

  it('refuses a signing request before the customer is identified and while a round runs', () =>
    harness.run(async (context) => {
      const { handle } = await startOnboarding(context);
      const request = await signingRequest(context.documents);
      await rejectsWith(handle.executeUpdate(requestSignaturesUpdate, { args: [request] }), /not identified/);

      const identified = await identify(context);
      await identified.executeUpdate(requestSignaturesUpdate, { args: [request] });
      await rejectsWith(
        identified.executeUpdate(requestSignaturesUpdate, { args: [request] }),
        /round is running/,
      );
      await rejectsWith(identified.executeUpdate(customerRedirectUpdate), /no longer available/);
    }));

  it('ends when the sign session expires, a day and a half after the identification', () =>
    harness.run(async (context) => {
      const handle = await identify(context);
      const status = await handle.query(statusQuery);

      const result = await handle.result();

      assert.equal(result.ended, 'sign-session-expired');
      assert.deepEqual(result.rounds, []);
      assert.equal(status.deadline?.name, 'sign-session');
      assert.ok(
        result.identification.outcome === 'identified' &&
          status.deadline?.at === result.identification.signSessionExpiresAt,
      );
      assert.equal((await handle.describe()).typedSearchAttributes.get(phaseAttribute), 'expired');
    }));

  it('returns without signing rounds when the identification fails', () =>
    harness.run(async (context) => {
      const { handle, args } = await startOnboarding(context);
      await handle.executeUpdate(customerRedirectUpdate);
      const web = context.fake.web(args.externalRef);

      web.reviewStatus = 'DENIED';
      await handle.signal(boricaCallbackSignal, {
        processState: 'PROCESS_IS_FINISHED',
        sessionId: web.webSessionId,
        resultId: web.resultId,
        requestId: '1',
      });

      assert.deepEqual(await handle.result(), {
        identification: { outcome: 'denied' },
        rounds: [],
        ended: 'identification-failed',
      });
    }));

  it('reports a round whose documents BORICA refuses to the caller and stays ready to sign', () =>
    harness.run(async (context) => {
      const handle = await identify(context);
      const request = await signingRequest(context.documents);
      context.fake.failures.set('startSignSession', [
        new BoricaHttpError('startSignSession', 400, 'BAD_REQUEST', 'documentsForSign is invalid'),
      ]);

      await rejectsWith(
        handle.executeUpdate(requestSignaturesUpdate, { args: [request] }),
        /could not be started/,
      );

      const status = await until(handle, (current) => current.phase === 'ready-to-sign');
      assert.equal(status.rounds, 0);
      await handle.signal(finishSignal);
      assert.equal((await handle.result()).ended, 'finished');
    }));

  it('continues as new after many rounds and keeps every round in the result', () =>
    harness.run(async (context) => {
      const handle = await identify(context);
      const firstRun = (await handle.describe()).runId;

      for (let round = 1; round <= ROUNDS_PER_RUN + 1; round += 1) {
        await handle.executeUpdate(requestSignaturesUpdate, {
          args: [await signingRequest(context.documents)],
        });
        const signing = context.fake.lastSigning();
        context.fake.completeSigning(signing);
        await handle.signal(boricaCallbackSignal, {
          processState: 'SIGN_SESSION',
          sessionId: signing.request.signSessionId,
          resultId: signing.resultId,
          requestId: String(round),
        });
        await until(handle, (status) => status.phase === 'ready-to-sign' && status.rounds === round);
      }
      await handle.signal(finishSignal);
      const result = await handle.result();

      assert.equal(result.rounds.length, ROUNDS_PER_RUN + 1);
      assert.notEqual((await handle.describe()).runId, firstRun);
    }));
});
