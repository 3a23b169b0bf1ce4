import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { WithStartWorkflowOperation, WorkflowFailedError, type WorkflowHandle } from '@temporalio/client';
import { ActivityFailure, ApplicationFailure, CancelledFailure } from '@temporalio/common';
import { BoricaHttpError } from '../../borica/errors';
import { callbackUrlFor } from '../../common/callback-token';
import {
  boricaCallbackSignal,
  type CallbackHint,
  customerRedirectUpdate,
  externalRefAttribute,
  phaseAttribute,
  resultIdAttribute,
  scenarioAttribute,
  statusQuery,
  type WebIdentificationInput,
  type WebIdentificationResult,
  workflowIdFor,
} from '../../workflows/definitions';
import type { webIdentificationWorkflow } from '../../workflows/web-identification';
import { CERTIFICATE, type FakeWeb, HOUR } from './fake-borica';
import { CALLBACKS, Harness, IDENTIFICATION_URL, type TestContext, until, untilCalled } from './harness';

const harness = new Harness();
const POLL_MS = 2 * 60 * 1000;

function input(overrides: Partial<WebIdentificationInput> = {}): WebIdentificationInput {
  return {
    externalRef: `account-${randomUUID()}`,
    reason: 'Opening a current account',
    successUrl: 'https://bank.example.test/done',
    cancelUrl: 'https://bank.example.test/cancelled',
    ...overrides,
  };
}

async function start(
  { start: startWorkflow, taskQueue }: TestContext,
  args = input(),
): Promise<WorkflowHandle<typeof webIdentificationWorkflow>> {
  return startWorkflow<typeof webIdentificationWorkflow>('webIdentificationWorkflow', {
    taskQueue,
    workflowId: workflowIdFor('web-identification', args.externalRef),
    args: [args],
  });
}

function hintFor(
  web: FakeWeb,
  processState: CallbackHint['processState'] = 'CREATE_SIGN_SESSION_REQUEST',
): CallbackHint {
  return { processState, sessionId: web.webSessionId, resultId: web.resultId, requestId: '315' };
}

/** Starts the workflow and waits until the customer has the redirect, as a business service would. */
async function startAndRedirect(context: TestContext, args = input()) {
  const handle = await start(context, args);
  const redirect = await handle.executeUpdate(customerRedirectUpdate);
  return { handle, redirect, web: context.fake.web(args.externalRef) };
}

describe('webIdentificationWorkflow', () => {
  before(() => harness.setUp());
  after(() => harness.tearDown());

  it('hands out the redirect, acts on the callback and returns the identification with the stored certificate', () =>
    harness.run(async (context) => {
      const args = input();
      const { handle, redirect, web } = await startAndRedirect(context, args);
      assert.equal(redirect.redirectUrl, `${IDENTIFICATION_URL}/session/${web.registration?.sessionId}`);
      assert.equal(web.callbackUrl, callbackUrlFor(CALLBACKS.publicUrl, CALLBACKS.secret, handle.workflowId));
      assert.equal(web.registration?.request.externalRef, args.externalRef);

      context.fake.completeIdentification(web);
      await handle.signal(boricaCallbackSignal, hintFor(web));
      const result = await handle.result();

      assert.equal(result.outcome, 'identified');
      assert.equal(result.clientIdentifier, `client-${web.resultId}`);
      assert.equal(result.signSessionId, `sign-${web.resultId}`);
      assert.deepEqual(await context.documents.get(result.certificate), CERTIFICATE);
      const attributes = (await handle.describe()).typedSearchAttributes;
      assert.equal(attributes.get(scenarioAttribute), 'web-identification');
      assert.equal(attributes.get(externalRefAttribute), args.externalRef);
      assert.equal(attributes.get(phaseAttribute), 'identified');
      assert.equal(attributes.get(resultIdAttribute), web.resultId);
    }));

  it('answers an update-with-start with the redirect, and a repeated one with the same redirect', () =>
    harness.run(async (context) => {
      const args = input();
      const operation = () =>
        new WithStartWorkflowOperation<typeof webIdentificationWorkflow>('webIdentificationWorkflow', {
          taskQueue: context.taskQueue,
          workflowId: workflowIdFor('web-identification', args.externalRef),
          workflowIdConflictPolicy: 'USE_EXISTING',
          args: [args],
        });

      const first = await context.env.client.workflow.executeUpdateWithStart(customerRedirectUpdate, {
        startWorkflowOperation: operation(),
      });
      const again = await context.env.client.workflow.executeUpdateWithStart(customerRedirectUpdate, {
        startWorkflowOperation: operation(),
      });

      assert.deepEqual(again, first);
      assert.equal(context.fake.count('startWebIdentification'), 1);
      await context.env.client.workflow
        .getHandle(workflowIdFor('web-identification', args.externalRef))
        .terminate();
    }));

  it('reports the redirect’s deadline and the last BORICA status through the status query', () =>
    harness.run(async (context) => {
      const { handle, redirect, web } = await startAndRedirect(context);
      await handle.signal(boricaCallbackSignal, hintFor(web, 'ON_BOARDING'));
      await untilCalled(context.fake, 'getWebIdentificationStatus');

      const status = await until(handle, (current) => current.boricaStatus !== undefined);

      assert.equal(status.phase, 'awaiting-customer');
      assert.deepEqual(status.deadline, { name: 'web-session', at: redirect.expiresAt });
      assert.equal(status.boricaStatus, 'START_WEB_SESSION');
    }));

  it('finds a finished identification by polling when the callback is lost', () =>
    harness.run(async (context) => {
      const { handle, web } = await startAndRedirect(context);

      context.fake.completeIdentification(web);
      const result = await handle.result();

      assert.equal(result.outcome, 'identified');
      assert.equal(context.fake.count('getWebIdentificationResults'), 1);
    }));

  it('acts once on a duplicated callback', () =>
    harness.run(async (context) => {
      const { handle, web } = await startAndRedirect(context);

      context.fake.completeIdentification(web);
      await handle.signal(boricaCallbackSignal, hintFor(web));
      await handle.signal(boricaCallbackSignal, hintFor(web));
      const result = await handle.result();

      assert.equal(result.outcome, 'identified');
      assert.equal(context.fake.count('getWebIdentificationResults'), 1);
    }));

  it('keeps waiting when a callback says done but BORICA’s status does not', () =>
    harness.run(async (context) => {
      const { handle, web } = await startAndRedirect(context);

      await handle.signal(boricaCallbackSignal, hintFor(web));
      await untilCalled(context.fake, 'getWebIdentificationStatus');
      const status = await handle.query(statusQuery);
      assert.equal(status.phase, 'awaiting-customer');
      assert.equal(context.fake.count('getWebIdentificationResults'), 0);

      context.fake.completeIdentification(web);
      await handle.signal(boricaCallbackSignal, hintFor(web));
      assert.equal((await handle.result()).outcome, 'identified');
    }));

  it('acts on a callback that arrived before the registration existed', () =>
    harness.run(async (context) => {
      let release = () => {};
      context.fake.registrationGate = new Promise<void>((resolve) => {
        release = resolve;
      });
      const handle = await start(context);
      await untilCalled(context.fake, 'createRegistration');
      const web = context.fake.lastWeb();

      context.fake.completeIdentification(web);
      await handle.signal(boricaCallbackSignal, hintFor(web));
      release();
      const result = await handle.result();

      assert.equal(result.outcome, 'identified');
      const registered = context.fake.calls.find((call) => call.operation === 'createRegistration');
      const checked = context.fake.calls.find((call) => call.operation === 'getWebIdentificationStatus');
      assert.ok(
        registered && checked && checked.at < registered.at + POLL_MS,
        'checked before the first poll was due',
      );
    }));

  for (const [name, change, expected] of [
    [
      'cancelled-by-customer when the customer cancels',
      { status: 'PROCESS_IS_CANCELED_BY_USER' },
      { outcome: 'cancelled-by-customer' },
    ],
    [
      'rejected when the registration is rejected',
      { registrationStatus: 'REJECTED', reviewStatus: 'FINALIZE_REJECT' },
      { outcome: 'rejected', registrationStatus: 'REJECTED', step: 'WEB_IDV_REGISTRATION' },
    ],
    [
      'rejected when the video identification fails',
      { step: 'WEB_IDV_REGISTRATION_FAILED' },
      { outcome: 'rejected', registrationStatus: 'STARTED', step: 'WEB_IDV_REGISTRATION_FAILED' },
    ],
    [
      'denied when an agent denies the registration',
      { registrationStatus: 'REJECTED', reviewStatus: 'DENIED' },
      { outcome: 'denied' },
    ],
  ] as const) {
    it(`returns ${name}`, () =>
      harness.run(async (context) => {
        const { handle, web } = await startAndRedirect(context);

        Object.assign(web, change);
        await handle.signal(boricaCallbackSignal, hintFor(web, 'PROCESS_IS_CANCELED_BY_USER'));
        const result: WebIdentificationResult = await handle.result();

        assert.deepEqual(result, expected);
        assert.equal((await handle.describe()).typedSearchAttributes.get(phaseAttribute), expected.outcome);
      }));
  }

  it('expires at the web session’s end, hours later, after one last check, with a bounded history', () =>
    harness.run(async (context) => {
      context.fake.webSessionMs = 3 * HOUR;
      context.fake.registrationMs = 4 * HOUR;
      const { handle, redirect } = await startAndRedirect(context);

      const result = await handle.result();

      assert.deepEqual(result, {
        outcome: 'expired',
        deadline: { name: 'web-session', at: redirect.expiresAt },
      });
      const lastCheck = context.fake.calls
        .filter((call) => call.operation === 'getWebIdentificationStatus')
        .at(-1);
      assert.ok(
        lastCheck && lastCheck.at >= Date.parse(redirect.expiresAt),
        'the status was checked at the deadline',
      );
      const events = (await handle.fetchHistory()).events?.length ?? 0;
      assert.ok(events < 250, `history stays bounded (${events} events)`);
    }));

  it('identifies a customer who finished just before the deadline, found by the last check', () =>
    harness.run(async (context) => {
      const { handle, web, redirect } = await startAndRedirect(
        context,
        input({ statusPollIntervalMs: 10 * HOUR }),
      );
      web.identifyAt = Date.parse(redirect.expiresAt) - 1;

      const result = await handle.result();

      assert.equal(result.outcome, 'identified');
    }));

  it('fails the redirect request and the workflow when BORICA refuses the registration', () =>
    harness.run(async (context) => {
      context.fake.failures.set('createRegistration', [
        new BoricaHttpError('createRegistration', 400, 'BAD_REQUEST', 'invalid successUrl'),
      ]);
      const handle = await start(context);

      await assert.rejects(handle.executeUpdate(customerRedirectUpdate));
      await assert.rejects(handle.result(), (error: unknown) => {
        assert.ok(error instanceof WorkflowFailedError && error.cause instanceof ActivityFailure);
        assert.ok(error.cause.cause instanceof ApplicationFailure);
        assert.equal(error.cause.cause.type, 'BoricaHttpError');
        return true;
      });
      assert.equal(context.fake.count('createRegistration'), 1, 'a 4xx is not retried');
    }));

  it('closes as cancelled, in phase cancelled, when the business service cancels it', () =>
    harness.run(
      async (context) => {
        const { handle } = await startAndRedirect(context);

        await handle.cancel();

        await assert.rejects(handle.result(), (error: unknown) => {
          assert.ok(error instanceof WorkflowFailedError && error.cause instanceof CancelledFailure);
          return true;
        });
        assert.equal((await handle.query(statusQuery)).phase, 'cancelled');
        assert.equal((await handle.describe()).typedSearchAttributes.get(phaseAttribute), 'cancelled');
      },
      { cancels: true },
    ));
});
