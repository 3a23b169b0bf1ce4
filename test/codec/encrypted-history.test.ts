import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { ActivityFailure, ApplicationFailure, WorkflowFailedError } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { DefaultLogger, Runtime, Worker } from '@temporalio/worker';
import { generateKeySpec, parseKeyRing } from '../../codec/keys';
import { ENCRYPTED_ENCODING, encryptedDataConverter } from '../../codec/payload-codec';
import { testServerExecutable } from '../../scripts/temporal-binaries';
import * as activities from './fixtures/activities';
import {
  type Customer,
  describeCustomerWorkflow,
  refuseInActivityWorkflow,
  refuseInWorkflowWorkflow,
} from './fixtures/workflows';

const customer: Customer = { egn: '7805166742', phone: '+359888123456', email: 'maria.ivanova@example.bg' };
const personalData = Object.values(customer);
const taskQueue = 'encrypted-history';

describe('workflow history with the encrypted data converter', () => {
  let env: TestWorkflowEnvironment;
  let worker: Worker;
  let workerRun: Promise<void>;

  before(async () => {
    Runtime.install({ logger: new DefaultLogger('ERROR') });
    const dataConverter = encryptedDataConverter(parseKeyRing(generateKeySpec('k1')));
    env = await TestWorkflowEnvironment.createTimeSkipping({
      server: { executable: testServerExecutable() },
      client: { dataConverter },
    });
    worker = await Worker.create({
      connection: env.nativeConnection,
      taskQueue,
      workflowsPath: require.resolve('./fixtures/workflows'),
      activities,
      dataConverter,
    });
    workerRun = worker.run();
  });

  after(async () => {
    if (worker?.getState() === 'RUNNING') worker.shutdown();
    await workerRun;
    await env?.teardown();
  });

  it('stores workflow and activity inputs and results as ciphertext only', async () => {
    const workflowId = randomUUID();

    const result = await env.client.workflow.execute(describeCustomerWorkflow, {
      workflowId,
      taskQueue,
      args: [customer],
    });

    assert.equal(result, `${customer.egn} reachable at ${customer.phone}`);
    const history = await rawHistory(workflowId);
    assert.ok(history.includes(ENCRYPTED_ENCODING), 'payloads should carry the encrypted encoding');
    assertAbsent(history, personalData);
  });

  it('stores a workflow failure message and stack trace as ciphertext only', async () => {
    const workflowId = randomUUID();

    const error = await failureOf(refuseInWorkflowWorkflow, workflowId);

    assert.ok(error.cause instanceof ApplicationFailure);
    assert.match(error.cause.message, /was refused/);
    assert.match(error.cause.stack ?? '', /failFromDistinctiveWorkflowFrame/);
    assertAbsent(await rawHistory(workflowId), [
      ...personalData,
      'was refused',
      'failFromDistinctiveWorkflowFrame',
    ]);
  });

  it('stores an activity failure message and stack trace as ciphertext only', async () => {
    const workflowId = randomUUID();

    const error = await failureOf(refuseInActivityWorkflow, workflowId);

    assert.ok(error.cause instanceof ActivityFailure);
    assert.ok(error.cause.cause instanceof ApplicationFailure);
    assert.match(error.cause.cause.message, /is blocked/);
    assert.match(error.cause.cause.stack ?? '', /failFromDistinctiveActivityFrame/);
    assertAbsent(await rawHistory(workflowId), [
      ...personalData,
      'is blocked',
      'failFromDistinctiveActivityFrame',
    ]);
  });

  async function failureOf(
    workflow: typeof refuseInWorkflowWorkflow,
    workflowId: string,
  ): Promise<WorkflowFailedError> {
    const run = env.client.workflow.execute(workflow, { workflowId, taskQueue, args: [customer] });
    return await run.then(
      () => assert.fail('the workflow should have failed'),
      (error: unknown) => {
        assert.ok(error instanceof WorkflowFailedError);
        return error;
      },
    );
  }

  /** The whole history as the server stores it, read without any codec, as protobuf bytes. */
  async function rawHistory(workflowId: string): Promise<Buffer> {
    const pages: Uint8Array[] = [];
    let nextPageToken: Uint8Array | undefined;
    do {
      const page = await env.client.workflowService.getWorkflowExecutionHistory({
        namespace: env.namespace ?? 'default',
        execution: { workflowId },
        ...(nextPageToken ? { nextPageToken } : {}),
      });
      pages.push(temporal.api.history.v1.History.encode(page.history ?? {}).finish());
      nextPageToken = page.nextPageToken?.length ? page.nextPageToken : undefined;
    } while (nextPageToken);
    return Buffer.concat(pages);
  }
});

function assertAbsent(history: Buffer, needles: string[]): void {
  for (const needle of needles) {
    assert.equal(history.includes(needle), false, `"${needle}" is readable in the stored history`);
  }
}
