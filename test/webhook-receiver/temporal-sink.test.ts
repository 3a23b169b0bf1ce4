import assert from 'node:assert/strict';
import { once } from 'node:events';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { Client, Connection } from '@temporalio/client';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import { generateKeySpec, parseKeyRing } from '../../codec/keys';
import { encryptedDataConverter } from '../../codec/payload-codec';
import { callbackUrlFor } from '../../common/callback-token';
import { createLogger } from '../../common/logger';
import { devServerExecutable } from '../../scripts/temporal-binaries';
import { createReceiverApp } from '../../webhook-receiver/app';
import { type CallbackSink, createTemporalSink } from '../../webhook-receiver/sink';
import {
  type CallbackHint,
  finishSignal,
  resultIdAttribute,
  searchAttributes,
} from '../../workflows/definitions';
import { hintsQuery, recordingWorkflow } from './fixtures/recording-workflow';

const TASK_QUEUE = 'temporal-sink-test';
const SECRET = 'a-callback-secret-that-is-long-enough-0123456789';

const hint: CallbackHint = {
  processState: 'PROCESS_IS_FINISHED',
  sessionId: '245ccb3e-5105-4930-8855-b6b46b0edc3d',
  resultId: '95',
  requestId: '315',
};

describe('the Temporal callback sink', () => {
  const dataConverter = encryptedDataConverter(parseKeyRing(generateKeySpec('test')));
  let env: TestWorkflowEnvironment;
  let worker: Worker;
  let running: Promise<void>;
  let client: Client;
  let sink: CallbackSink;

  before(async () => {
    env = await TestWorkflowEnvironment.createLocal({
      server: { executable: devServerExecutable(), searchAttributes },
    });
    worker = await Worker.create({
      connection: env.nativeConnection,
      taskQueue: TASK_QUEUE,
      workflowsPath: require.resolve('./fixtures/recording-workflow'),
      dataConverter,
    });
    running = worker.run();
    client = new Client({ connection: env.connection, dataConverter });
    // The dev server's visibility store can trail a start by a moment.
    sink = createTemporalSink(client, { lookupAttempts: 20, lookupDelayMs: 250 });
  });

  after(async () => {
    worker?.shutdown();
    await running;
    await env?.teardown();
  });

  async function startRecording(workflowId: string, resultId?: string) {
    return client.workflow.start(recordingWorkflow, {
      workflowId,
      taskQueue: TASK_QUEUE,
      ...(resultId === undefined
        ? {}
        : { typedSearchAttributes: [{ key: resultIdAttribute, value: resultId }] }),
    });
  }

  it('signals a running workflow with the hint', async () => {
    const handle = await startRecording('web-identification:sink-1');

    assert.equal(await sink.deliver(handle.workflowId, hint), 'delivered');
    assert.deepEqual(await handle.query(hintsQuery), [hint]);
  });

  it('reports not-found for a workflow that never existed', async () => {
    assert.equal(await sink.deliver('web-identification:nobody', hint), 'not-found');
  });

  it('reports not-found for a workflow that has completed', async () => {
    const handle = await startRecording('web-identification:sink-done');
    await handle.signal(finishSignal);
    await handle.result();

    assert.equal(await sink.deliver(handle.workflowId, hint), 'not-found');
  });

  it('finds the running workflow waiting on a result id, and only a running one', async () => {
    const signing = await startRecording('otc-signing:sink-109', '109');
    const finished = await startRecording('otc-signing:sink-200', '200');
    await finished.signal(finishSignal);
    await finished.result();

    assert.equal(await sink.findSigningWorkflow('109'), signing.workflowId);
    assert.equal(
      await createTemporalSink(client, { lookupAttempts: 2 }).findSigningWorkflow('200'),
      undefined,
    );
    assert.equal(
      await createTemporalSink(client, { lookupAttempts: 1 }).findSigningWorkflow('"1" OR 1=1'),
      undefined,
    );
  });

  it('is ready while Temporal answers, and not when it cannot be reached', async () => {
    assert.equal(await sink.ready(), true);

    const unreachable = new Client({ connection: Connection.lazy({ address: '127.0.0.1:1' }) });
    const lines: string[] = [];
    const logger = createLogger('webhook-receiver', { write: (line: string) => lines.push(line) });
    assert.equal(await createTemporalSink(unreachable, { logger, readyTimeoutMs: 1000 }).ready(), false);
    assert.ok(lines.some((line) => JSON.parse(line).msg === 'Temporal is not answering'));
    await unreachable.connection.close();
  });

  it('carries a SIGN_SESSION callback posted to the receiver to the signing workflow', async () => {
    const signing = await startRecording('otc-signing:sink-e2e', '327');
    const app = createReceiverApp({
      sink,
      secret: SECRET,
      relyingPartyId: '24102167',
      logger: createLogger('webhook-receiver', { write: () => undefined }),
    });
    const server: Server = app.listen(0, '127.0.0.1');
    await once(server, 'listening');
    try {
      const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      const url = callbackUrlFor(base, SECRET, 'web-identification:closed-long-ago');
      const body = {
        code: 'OK',
        requestId: 327,
        relyingPartyId: 24102167,
        data: {
          processState: 'SIGN_SESSION',
          sessionId: '491d8265-c299-41b7-b8bc-9daafdce077c',
          resultId: 327,
        },
      };

      const response = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });

      assert.equal(response.status, 200);
      assert.deepEqual(await signing.query(hintsQuery), [
        {
          processState: 'SIGN_SESSION',
          sessionId: '491d8265-c299-41b7-b8bc-9daafdce077c',
          resultId: '327',
          requestId: '327',
        },
      ]);
    } finally {
      server.closeAllConnections();
      server.close();
    }
  });
});
