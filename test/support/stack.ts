/**
 * The whole product on one machine, for integration tests: a Temporal dev server, the BORICA
 * sandbox over mutual TLS, the callback receiver on a real port and a worker, either in this
 * process or as a child process that a test can kill and start again.
 */
import { once } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { Client } from '@temporalio/client';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { Runtime } from '@temporalio/worker';
import { createFileDocumentStore } from '../../activities/document-store';
import { BoricaFlows } from '../../client';
import { generateKeySpec, parseKeyRing } from '../../codec/keys';
import { encryptedDataConverter } from '../../codec/payload-codec';
import { createLogger } from '../../common/logger';
import { type RunningSandbox, type SandboxOptions, startSandbox } from '../../sandbox';
import { devServerExecutable } from '../../scripts/temporal-binaries';
import { createReceiverApp } from '../../webhook-receiver/app';
import { createTemporalSink } from '../../webhook-receiver/sink';
import { loadWorkerConfig } from '../../worker/config';
import { PinoTemporalLogger } from '../../worker/runtime';
import { type BoricaWorker, bundleWorkflows, createBoricaWorker } from '../../worker/worker';
import { searchAttributes } from '../../workflows/definitions';
import { NodeProcess } from '../worker/child-process';

export interface StackOptions {
  /** Run the worker as `node --import tsx worker/main.ts`, so that a test can SIGKILL it. */
  readonly workerInChildProcess?: boolean;
  readonly sandbox?: SandboxOptions;
}

/** A worker that can be stopped, killed and started again. */
export interface StackWorker {
  start(): Promise<void>;
  /** Graceful stop. */
  stop(): Promise<void>;
  /** SIGKILL for a child process; an abrupt shutdown for an in-process worker. */
  kill(): Promise<void>;
  /** Every log line the worker wrote, across restarts. */
  readonly logs: string[];
}

export interface Stack {
  readonly temporal: TestWorkflowEnvironment;
  readonly sandbox: RunningSandbox;
  readonly flows: BoricaFlows;
  /** A client that reads raw history: no codec, so it sees what the server stores. */
  readonly rawClient: Client;
  readonly receiverUrl: string;
  readonly worker: StackWorker;
  /** Log lines of the receiver. */
  readonly receiverLogs: string[];
  /** Environment a worker process gets. */
  readonly env: Record<string, string>;
  close(): Promise<void>;
}

const TASK_QUEUE_PREFIX = 'borica-flows-test';
let bundle: Promise<{ code: string }> | undefined;
let runtimeLogs: string[] | undefined;

export async function startStack(options: StackOptions = {}): Promise<Stack> {
  const dir = await mkdtemp(join(tmpdir(), 'borica-stack-'));
  installCapturingRuntime();

  const temporal = await TestWorkflowEnvironment.createLocal({
    server: { executable: devServerExecutable(), searchAttributes },
  });
  const sandbox = await startSandbox({ pkiDir: join(dir, 'pki'), ...options.sandbox });
  const keys = generateKeySpec('test-1');
  const secret = 'a-callback-secret-of-at-least-32-characters';
  const receiverLogs: string[] = [];
  const receiver = await startReceiver(temporal, sandbox, secret, keys, receiverLogs);
  const receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}`;

  const env: Record<string, string> = {
    ...sandbox.env,
    TEMPORAL_ADDRESS: temporal.address,
    TEMPORAL_NAMESPACE: 'default',
    TEMPORAL_TASK_QUEUE: `${TASK_QUEUE_PREFIX}-${Math.random().toString(36).slice(2)}`,
    CALLBACK_PUBLIC_URL: receiverUrl,
    CALLBACK_SECRET: secret,
    DOCUMENT_STORE_DIR: join(dir, 'documents'),
    PAYLOAD_ENCRYPTION_KEYS: keys,
    LOG_LEVEL: 'info',
  };
  const worker = options.workerInChildProcess ? childWorker(env) : inProcessWorker(temporal, env);
  await worker.start();

  const ring = parseKeyRing(keys);
  const flows = new BoricaFlows({
    client: new Client({
      connection: temporal.connection,
      dataConverter: encryptedDataConverter(ring),
    }),
    taskQueue: env.TEMPORAL_TASK_QUEUE as string,
    documents: createFileDocumentStore({ dir: env.DOCUMENT_STORE_DIR as string, keys: ring }),
  });

  return {
    temporal,
    sandbox,
    flows,
    rawClient: new Client({ connection: temporal.connection }),
    receiverUrl,
    worker,
    receiverLogs,
    env,
    async close() {
      await worker.stop();
      await new Promise<void>((done) => receiver.close(() => done()));
      receiver.closeAllConnections();
      await sandbox.close();
      await temporal.teardown();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

async function startReceiver(
  temporal: TestWorkflowEnvironment,
  sandbox: RunningSandbox,
  secret: string,
  keys: string,
  lines: string[],
): Promise<Server> {
  const client = new Client({
    connection: temporal.connection,
    dataConverter: encryptedDataConverter(parseKeyRing(keys)),
  });
  const logger = createLogger('webhook-receiver', collectInto(lines));
  const app = createReceiverApp({
    sink: createTemporalSink(client, { logger }),
    secret,
    relyingPartyId: sandbox.relyingPartyId,
    logger,
  });

  const server = app.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return server;
}

function inProcessWorker(temporal: TestWorkflowEnvironment, env: Record<string, string>): StackWorker {
  let running: { worker: BoricaWorker; done: Promise<void> } | undefined;
  const logs = runtimeLogs ?? [];

  return {
    logs,
    async start() {
      bundle ??= bundleWorkflows();
      const worker = await createBoricaWorker(loadWorkerConfig(env), {
        workflowBundle: await bundle,
        connection: temporal.nativeConnection,
      });
      running = { worker, done: worker.run() };
    },
    async stop() {
      if (!running) return;
      running.worker.shutdown();
      await running.done;
      running = undefined;
    },
    async kill() {
      await this.stop();
    },
  };
}

function childWorker(env: Record<string, string>): StackWorker {
  let process: NodeProcess | undefined;
  const logs: string[] = [];

  return {
    logs,
    async start() {
      process = new NodeProcess('worker/main.ts', env);
      await process.waitForLog((line) => line.msg === 'worker started');
    },
    async stop() {
      if (!process) return;
      process.signal('SIGTERM');
      await process.exited;
      logs.push(...process.stdout, ...process.stderr);
      process = undefined;
    },
    async kill() {
      if (!process) return;
      process.signal('SIGKILL');
      await process.exited;
      logs.push(...process.stdout, ...process.stderr);
      process = undefined;
    },
  };
}

/** The Temporal runtime is process-wide: install it once, with a logger whose lines we keep. */
function installCapturingRuntime(): void {
  if (runtimeLogs) return;
  runtimeLogs = [];
  const logger = createLogger('worker', collectInto(runtimeLogs));
  Runtime.install({ logger: new PinoTemporalLogger(logger) });
}

function collectInto(lines: string[]): Writable {
  return new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(...chunk.toString().split('\n').filter(Boolean));
      done();
    },
  });
}
