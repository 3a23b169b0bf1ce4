import assert from 'node:assert/strict';
import { after, afterEach, before, describe, it } from 'node:test';
import type { BoricaApi } from '../../borica/api';
import { callbackBody } from '../../borica/schemas';
import type { RunningSandbox } from '../../sandbox/index';
import { CallbackReceiver, clientFor, startTestSandbox, startWebIdentification } from './support';

describe('sandbox callbacks', () => {
  let sandbox: RunningSandbox;
  let borica: BoricaApi;
  let receiver: CallbackReceiver;

  before(async () => {
    sandbox = await startTestSandbox();
    borica = clientFor(sandbox);
  });

  after(async () => {
    await borica.close();
    await sandbox.close();
  });

  afterEach(async () => {
    await sandbox.control.settled();
    sandbox.control.resetFaults();
    sandbox.control.clearCallbacks();
    await receiver.close();
  });

  /** Completes one web identification whose callback goes to the test's receiver. */
  async function complete(name = 'wf'): Promise<string> {
    const started = await startWebIdentification(borica, receiver.url(name));
    await sandbox.control.web(started.registration.sessionId, 'complete');
    return started.resultId;
  }

  it('retries a delivery answered 503 until it succeeds', async () => {
    receiver = await CallbackReceiver.start();
    receiver.answerWith(503, 502);
    const resultId = await complete();
    await sandbox.control.settled();

    assert.equal(receiver.received.length, 1);
    assert.deepEqual(sandbox.control.callbacks(), [
      {
        processState: 'CREATE_SIGN_SESSION_REQUEST',
        resultId,
        status: 'delivered',
        httpStatus: 200,
        attempts: 3,
      },
    ]);
  });

  it('gives up at once on a 4xx answer', async () => {
    receiver = await CallbackReceiver.start();
    receiver.answerWith(404);
    await complete();
    await sandbox.control.settled();

    assert.equal(receiver.received.length, 0);
    assert.deepEqual(
      sandbox.control
        .callbacks()
        .map(({ status, httpStatus, attempts }) => ({ status, httpStatus, attempts })),
      [{ status: 'failed', httpStatus: 404, attempts: 1 }],
    );
  });

  it('gives up after six attempts when nobody answers', async () => {
    receiver = await CallbackReceiver.start();
    const url = receiver.url();
    await receiver.close();
    const started = await startWebIdentification(borica, url);
    await sandbox.control.web(started.registration.sessionId, 'complete');
    await sandbox.control.settled();

    const [entry] = sandbox.control.callbacks();
    assert.equal(entry?.status, 'failed');
    assert.equal(entry?.attempts, 6);
    assert.equal(entry?.httpStatus, undefined);
  });

  it('drops callbacks when told to', async () => {
    receiver = await CallbackReceiver.start();
    sandbox.control.setFaults({ callbacks: { drop: 1 } });
    await complete();
    await sandbox.control.settled();

    assert.equal(receiver.received.length, 0);
    assert.equal(sandbox.control.callbacks()[0]?.status, 'dropped');
  });

  it('sends callbacks twice when told to', async () => {
    receiver = await CallbackReceiver.start();
    sandbox.control.setFaults({ callbacks: { duplicate: 1 } });
    await complete();
    const received = await receiver.waitFor(2);

    assert.deepEqual(received[0]?.body, received[1]?.body);
    callbackBody.parse(received[0]?.body);
  });

  it('delays callbacks when told to', async () => {
    receiver = await CallbackReceiver.start();
    sandbox.control.setFaults({ callbacks: { delayMs: 150 } });
    const started = Date.now();
    await complete();
    await receiver.waitFor(1);
    assert.ok(Date.now() - started >= 140);
  });

  it('delivers two callbacks in swapped order when told to reorder', async () => {
    receiver = await CallbackReceiver.start();
    sandbox.control.setFaults({ callbacks: { reorder: true } });
    const first = await complete('first');
    const second = await complete('second');
    const received = await receiver.waitFor(2);

    assert.deepEqual(
      received.map((callback) => callbackBody.parse(callback.body).data.resultId),
      [second, first],
    );
  });

  it('still delivers a lone callback held for reordering', async () => {
    receiver = await CallbackReceiver.start();
    sandbox.control.setFaults({ callbacks: { reorder: true } });
    await complete();
    await sandbox.control.settled();
    assert.equal(receiver.received.length, 1);
  });
});
