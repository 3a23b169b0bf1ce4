/**
 * One time-skipping Temporal test server and one workflow bundle per test file; a fresh fake
 * BORICA, document store and worker per test.
 */
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { WorkflowClient, WorkflowHandle } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import {
  bundleWorkflowCode,
  DefaultLogger,
  Runtime,
  Worker,
  type WorkflowBundleWithSourceMap,
} from '@temporalio/worker';
import { createActivities } from '../../activities';
import { createFileDocumentStore, type DocumentStore } from '../../activities/document-store';
import { generateKeySpec, parseKeyRing } from '../../codec/keys';
import { testServerExecutable } from '../../scripts/temporal-binaries';
import { searchAttributes, statusQuery, type WorkflowStatus } from '../../workflows/definitions';
import { FakeBorica } from './fake-borica';

export const CALLBACKS = { publicUrl: 'https://callbacks.example.test/', secret: 'test-callback-secret' };
export const IDENTIFICATION_URL = 'https://id.example.test';

export interface TestContext {
  readonly env: TestWorkflowEnvironment;
  /** `env.client.workflow.start`, but the workflow is terminated when the test ends. */
  readonly start: WorkflowClient['start'];
  readonly fake: FakeBorica;
  readonly documents: DocumentStore;
  readonly taskQueue: string;
}

export class Harness {
  #env: TestWorkflowEnvironment | undefined;
  #bundle: WorkflowBundleWithSourceMap | undefined;
  #dir: string | undefined;

  async setUp(): Promise<void> {
    // Workflow-task warnings (e.g. a cancelled workflow) are expected in these tests.
    Runtime.install({ logger: new DefaultLogger('ERROR') });
    [this.#env, this.#bundle, this.#dir] = await Promise.all([
      createEnvironment(),
      bundleWorkflowCode({ workflowsPath: require.resolve('../../workflows'), logger: quietLogger }),
      mkdtemp(join(tmpdir(), 'borica-flows-documents-')),
    ]);
  }

  async tearDown(): Promise<void> {
    await this.#env?.teardown();
    if (this.#dir) await rm(this.#dir, { recursive: true, force: true });
  }

  get env(): TestWorkflowEnvironment {
    if (!this.#env) throw new Error('call setUp() in before()');
    return this.#env;
  }

  /**
   * Runs `test` with a worker of its own, then stops the worker.
   *
   * `cancels` gives the test a test server of its own: once a workflow has been cancelled, the
   * time-skipping server no longer skips time for anyone (the lock an outstanding task holds is
   * not given back), and the tests after it would wait in real time.
   */
  async run<T>(test: (context: TestContext) => Promise<T>, { cancels = false } = {}): Promise<T> {
    if (!cancels) return this.#runIn(this.env, test);

    const own = await createEnvironment();
    try {
      return await this.#runIn(own, test);
    } finally {
      await own.teardown();
    }
  }

  async #runIn<T>(env: TestWorkflowEnvironment, test: (context: TestContext) => Promise<T>): Promise<T> {
    const fake = new FakeBorica(() => env.currentTimeMs());
    const documents = createFileDocumentStore({
      dir: join(this.#dir ?? tmpdir(), randomUUID()),
      keys: parseKeyRing(generateKeySpec('test')),
    });
    const taskQueue = `test-${randomUUID()}`;
    const worker = await Worker.create({
      connection: env.nativeConnection,
      taskQueue,
      workflowBundle:
        this.#bundle ?? (await bundleWorkflowCode({ workflowsPath: require.resolve('../../workflows') })),
      activities: createActivities({
        borica: fake,
        documents,
        callbacks: CALLBACKS,
        identificationUrl: IDENTIFICATION_URL,
      }),
    });

    const started: WorkflowHandle[] = [];
    const start: WorkflowClient['start'] = async (workflow, options) => {
      const handle = await env.client.workflow.start(workflow, options);
      started.push(handle);
      return handle;
    };

    // Terminated while the worker still runs: a workflow left waiting on a task nobody serves
    // would hold up time skipping for the tests after this one.
    return worker.runUntil(async () => {
      try {
        return await test({ env, start, fake, documents, taskQueue });
      } finally {
        await Promise.allSettled(started.map(terminateWhenIdle));
      }
    });
  }
}

/**
 * The time-skipping server stops skipping time for good when a workflow is closed while a task
 * of it is under way (a workflow task, or an activity's first attempt), so tests close a
 * workflow only while it waits (an activity waiting to be retried is fine).
 */
export async function untilNoActivityRuns(handle: WorkflowHandle): Promise<void> {
  const { PENDING_ACTIVITY_STATE_STARTED, PENDING_ACTIVITY_STATE_SCHEDULED } =
    temporal.api.enums.v1.PendingActivityState;
  for (let attempt = 0; attempt < 400; attempt += 1) {
    const { status, raw } = await handle.describe();
    const busy =
      raw.pendingActivities?.some(
        (activity) =>
          activity.state === PENDING_ACTIVITY_STATE_STARTED ||
          (activity.state === PENDING_ACTIVITY_STATE_SCHEDULED && (activity.attempt ?? 1) <= 1),
      ) ?? false;
    if (status.name !== 'RUNNING' || (!busy && !raw.pendingWorkflowTask)) return;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  throw new Error('an activity kept running');
}

async function terminateWhenIdle(handle: WorkflowHandle): Promise<void> {
  await untilNoActivityRuns(handle);
  await handle.terminate('test over');
}

/** Queries `handle` until `predicate` holds; queries do not move test-server time. */
export async function until(
  handle: WorkflowHandle,
  predicate: (status: WorkflowStatus) => boolean,
  what = 'the expected status',
): Promise<WorkflowStatus> {
  for (let attempt = 0; attempt < 400; attempt += 1) {
    const status = await handle.query(statusQuery);
    if (predicate(status)) return status;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  throw new Error(`workflow never reached ${what}`);
}

/** Waits (in real time) until the fake has seen `count` calls of `operation`. */
export async function untilCalled(
  fake: FakeBorica,
  operation: Parameters<FakeBorica['count']>[0],
  count = 1,
) {
  for (let attempt = 0; attempt < 400; attempt += 1) {
    if (fake.count(operation) >= count) return;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  throw new Error(`${operation} was never called ${count} time(s)`);
}

async function createEnvironment(): Promise<TestWorkflowEnvironment> {
  const env = await TestWorkflowEnvironment.createTimeSkipping({
    server: { executable: testServerExecutable() },
  });
  await registerSearchAttributes(env);
  return env;
}

/**
 * The time-skipping server refuses unknown search attributes like any other server does; it
 * takes them through the operator service, as a real namespace would be set up.
 */
async function registerSearchAttributes(env: TestWorkflowEnvironment): Promise<void> {
  const keyword = temporal.api.enums.v1.IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD;
  await env.connection.operatorService.addSearchAttributes({
    namespace: env.namespace ?? 'default',
    searchAttributes: Object.fromEntries(searchAttributes.map((attribute) => [attribute.name, keyword])),
  });
}

const quietLogger = new DefaultLogger('ERROR');
