import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ApplicationFailure, type LogLevel, type LogMetadata } from '@temporalio/common';
import { MockActivityEnvironment } from '@temporalio/testing';
import { createActivities } from '../../activities';
import { createFileDocumentStore, type DocumentStore } from '../../activities/document-store';
import type { CallOptions } from '../../borica/api';
import { BoricaContractError, BoricaHttpError, BoricaNetworkError } from '../../borica/errors';
import { generateKeySpec, parseKeyRing } from '../../codec/keys';
import { callbackUrlFor } from '../../common/callback-token';
import { CERTIFICATE, FakeBorica, signedCopy } from '../workflows/fake-borica';

const CALLBACKS = { publicUrl: 'https://callbacks.example.test', secret: 'secret' };
const WORKFLOW = { workflowId: 'web-identification:account-1', runId: 'run-1' };
const PERSON = {
  person: { docType: 'EGN', identificatorValue: '7805166742', dateOfBirth: '16-05-1978' },
  phoneNumber: '+359888133443',
  email: 'customer@example.test',
  reason: 'Loan',
} as const;

interface Logged {
  readonly level: LogLevel;
  readonly message: string;
  readonly meta?: LogMetadata;
}

function environment(attempt = 1, lines: Logged[] = [], heartbeatDetails?: unknown): MockActivityEnvironment {
  const log = (level: LogLevel) => (message: string, meta?: LogMetadata) =>
    lines.push({ level, message, ...(meta ? { meta } : {}) });
  return new MockActivityEnvironment(
    { attempt, workflowExecution: WORKFLOW, heartbeatDetails },
    {
      logger: {
        log: (level, message, meta) => log(level)(message, meta),
        trace: log('TRACE'),
        debug: log('DEBUG'),
        info: log('INFO'),
        warn: log('WARN'),
        error: log('ERROR'),
      },
    },
  );
}

/** `MockActivityEnvironment.run`, keeping the activity's result type. */
function run<A extends unknown[], R>(
  env: MockActivityEnvironment,
  activity: (...args: A) => Promise<R>,
  ...args: A
): Promise<R> {
  return env.run(activity, ...args) as Promise<R>;
}

function failure(error: unknown): ApplicationFailure {
  assert.ok(error instanceof ApplicationFailure, `expected an ApplicationFailure, got ${String(error)}`);
  return error;
}

describe('activities', () => {
  let dir: string;
  let documents: DocumentStore;
  let fake: FakeBorica;
  let activities: ReturnType<typeof createActivities>;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'activities-'));
    documents = createFileDocumentStore({ dir, keys: parseKeyRing(generateKeySpec('k')) });
    fake = new FakeBorica(async () => Date.now());
    activities = createActivities({
      borica: fake,
      documents,
      callbacks: CALLBACKS,
      identificationUrl: 'https://id.example.test/',
    });
  });
  after(() => rm(dir, { recursive: true, force: true }));

  it('sends BORICA a callback URL naming the calling workflow, and builds the customer redirect', async () => {
    const env = environment();

    const session = await run(env, activities.startWebIdentification, { reason: 'Account' });
    const registration = await run(env, activities.createRegistration, {
      webSessionId: session.webSessionId,
      externalRef: 'account-1',
      successUrl: 'https://bank.example.test/ok',
      cancelUrl: 'https://bank.example.test/cancel',
    });

    assert.equal(
      fake.webs.get(session.resultId)?.callbackUrl,
      callbackUrlFor(CALLBACKS.publicUrl, CALLBACKS.secret, WORKFLOW.workflowId),
    );
    assert.equal(registration.redirectUrl, `https://id.example.test/session/${registration.sessionId}`);
    assert.equal(fake.webs.get(session.resultId)?.registration?.request.userLanguage, 'bg');
  });

  it('returns a mobile rejection as a value with BORICA’s code and message', async () => {
    const env = environment();
    const { callbackId } = await run(env, activities.requestMobileIdentification, PERSON);
    const mobile = fake.mobiles.get(callbackId);
    assert.ok(mobile);
    mobile.outcome = 'rejected';

    const check = await run(env, activities.checkMobileIdentification, callbackId);

    assert.deepEqual(check, { state: 'rejected', code: 'REJECTED', message: 'The request is rejected.' });
  });

  it('fails with a retryable IdentificationPending while the mobile customer has not answered', async () => {
    const env = environment();
    const { callbackId } = await run(env, activities.requestMobileIdentification, PERSON);

    await assert.rejects(run(env, activities.awaitMobileIdentification, callbackId), (error: unknown) => {
      assert.equal(failure(error).type, 'IdentificationPending');
      assert.equal(failure(error).nonRetryable, false);
      return true;
    });
  });

  it('stores the mobile eID certificate and returns only its reference, logging ids only', async () => {
    const lines: Logged[] = [];
    const env = environment(1, lines);
    const { callbackId } = await run(env, activities.requestMobileIdentification, PERSON);
    const mobile = fake.mobiles.get(callbackId);
    assert.ok(mobile);
    mobile.outcome = 'finished';

    const check = await run(env, activities.checkMobileIdentification, callbackId);

    assert.equal(check.state, 'finished');
    assert.ok(check.state === 'finished' && (await documents.get(check.certificate)).equals(CERTIFICATE));
    assert.ok(lines.some((line) => line.message === 'mobile identification finished'));
    const logged = JSON.stringify(lines);
    for (const personal of ['7805166742', '16-05-1978', '+359888133443', 'customer@example.test']) {
      assert.doesNotMatch(logged, new RegExp(personal.replace('+', '\\+')));
    }
  });

  it('sends stored documents to BORICA and stores what comes back signed', async () => {
    const env = environment();
    const session = await run(env, activities.startWebIdentification, { reason: 'Account' });
    const download = await fake.getWebIdentificationResults({
      resultId: session.resultId,
      processState: 'CREATE_SIGN_SESSION_REQUEST',
      sessionId: session.webSessionId,
    });
    const contract = Buffer.from('%PDF contract');
    const started = await run(env, activities.startSignSession, {
      identifier: download.data.clientIdentifier,
      signSessionId: download.data.signSessionId,
      documents: [
        {
          document: await documents.put(contract),
          fileName: 'c.pdf',
          legalFileName: 'Contract',
          padesVisualSignature: false,
        },
      ],
      successUrl: 'https://bank.example.test/ok',
      cancelUrl: 'https://bank.example.test/cancel',
    });

    const signed = await run(env, activities.downloadSignedDocuments, {
      resultId: started.resultId,
      signSessionId: download.data.signSessionId,
    });

    const [document] = signed.documents;
    assert.ok(document);
    assert.deepEqual(
      await documents.get(document.document),
      signedCopy({ contentAsBase64: contract.toString('base64') }),
    );
  });

  it('passes the activity’s cancellation signal to the BORICA client', async () => {
    const env = environment();
    let received: CallOptions | undefined;
    const spy = createActivities({
      borica: Object.assign(Object.create(fake) as FakeBorica, {
        getWebIdentificationStatus: async (_id: string, options?: CallOptions) => {
          received = options;
          return { code: 'OK', data: { status: 'SIGN_SESSION' as const, step: 'START' as const } };
        },
      }),
      documents,
      callbacks: CALLBACKS,
      identificationUrl: 'https://id.example.test',
    });

    await run(env, spy.checkSignSession, '1');

    assert.ok(received?.signal instanceof AbortSignal);
  });

  describe('failure classification', () => {
    async function failureOf(operation: keyof FakeBorica & 'getWebIdentificationStatus', error: Error) {
      fake.failures.set(operation, [error]);
      try {
        await run(environment(), activities.checkSignSession, '1');
      } catch (thrown) {
        return failure(thrown);
      }
      assert.fail('expected the activity to fail');
    }

    it('makes a 4xx and a broken contract non-retryable, typed by the error class, with the cause kept', async () => {
      const http = new BoricaHttpError('getWebIdentificationStatus', 401, 'UNAUTHORIZED', 'no');
      const unauthorised = await failureOf('getWebIdentificationStatus', http);
      assert.equal(unauthorised.type, 'BoricaHttpError');
      assert.equal(unauthorised.nonRetryable, true);
      assert.equal(unauthorised.cause, http);

      const contract = await failureOf(
        'getWebIdentificationStatus',
        new BoricaContractError('getWebIdentificationStatus', 'data.status', 'invalid enum'),
      );
      assert.equal(contract.type, 'BoricaContractError');
      assert.equal(contract.nonRetryable, true);
    });

    it('keeps 5xx and network errors retryable', async () => {
      const server = await failureOf(
        'getWebIdentificationStatus',
        new BoricaHttpError('getWebIdentificationStatus', 503, 'ERROR', 'down'),
      );
      assert.equal(server.nonRetryable, false);
      const network = await failureOf(
        'getWebIdentificationStatus',
        new BoricaNetworkError('getWebIdentificationStatus', 'borica.test'),
      );
      assert.equal(network.type, 'BoricaNetworkError');
      assert.equal(network.nonRetryable, false);
    });
  });

  describe('billable requests', () => {
    async function identifyFailing(
      error: Error,
      attempt: number,
      record?: unknown,
    ): Promise<ApplicationFailure> {
      fake.failures.set('identify', [error]);
      try {
        await run(environment(attempt, [], record), activities.requestMobileIdentification, PERSON);
      } catch (thrown) {
        return failure(thrown);
      }
      assert.fail('expected the activity to fail');
    }

    const unsent = () => new BoricaNetworkError('identification', 'borica.test', { requestSent: false });
    const maybeSent = () => new BoricaNetworkError('identification', 'borica.test', { requestSent: true });

    it('retries freely a request that never reached BORICA, and records that for the next attempt', async () => {
      const env = environment(7, [], { notReceived: 6 });
      const recorded: unknown[] = [];
      env.on('heartbeat', (details: unknown) => recorded.push(details));
      fake.failures.set('identify', [unsent()]);

      const failed = failure(
        await env.run(activities.requestMobileIdentification, PERSON).catch((e: unknown) => e),
      );

      assert.equal(failed.type, 'BoricaNetworkError');
      assert.equal(failed.nonRetryable, false);
      assert.deepEqual(recorded, [{ notReceived: 7 }]);
    });

    it('does not send again after two attempts that left no record, such as attempts lost with their worker', async () => {
      const before = fake.count('identify');

      const refused = await identifyFailing(unsent(), 3);

      assert.equal(refused.type, 'BillableRequestOutcomeUnknown');
      assert.equal(refused.nonRetryable, true);
      assert.equal(fake.count('identify'), before, 'nothing was sent to BORICA');
      fake.failures.delete('identify');
    });

    it('retries once a request that may have reached BORICA, then gives up as BillableRequestOutcomeUnknown', async () => {
      assert.equal((await identifyFailing(maybeSent(), 1)).nonRetryable, false);
      assert.equal(
        (await identifyFailing(new BoricaHttpError('identification', 500, 'ERROR', 'x'), 1)).nonRetryable,
        false,
      );

      const gaveUp = await identifyFailing(maybeSent(), 2);
      assert.equal(gaveUp.type, 'BillableRequestOutcomeUnknown');
      assert.equal(gaveUp.nonRetryable, true);
      assert.ok(gaveUp.cause instanceof BoricaNetworkError);
      assert.equal(
        (await identifyFailing(new BoricaHttpError('identification', 502, 'ERROR', 'x'), 2)).type,
        'BillableRequestOutcomeUnknown',
      );
    });

    it('does not retry a billable request BORICA refused', async () => {
      const refused = await identifyFailing(
        new BoricaHttpError('identification', 400, 'BAD_REQUEST', 'x'),
        1,
      );
      assert.equal(refused.type, 'BoricaHttpError');
      assert.equal(refused.nonRetryable, true);
    });
  });
});
