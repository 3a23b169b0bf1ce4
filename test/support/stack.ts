/**
 * The whole product on one machine, for integration tests: a Temporal dev server, the BORICA
 * sandbox over mutual TLS, the callback receiver on a real port and a worker, either in this
 * process or as a child process that a test can kill and start again.
 *
 * With `persistentTemporal`, the dev server keeps its state in a SQLite file and listens on a
 * fixed port, so a test can stop it and start it again mid-flow; the child worker reconnects on
 * its own, and the test's clients and the receiver's are made afresh after each start.
 */
import { once } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { Client, Connection } from '@temporalio/client';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { Runtime } from '@temporalio/worker';
import { createFileDocumentStore } from '../../activities/document-store';
import { BoricaFlows } from '../../client';
import { generateKeySpec, parseKeyRing } from '../../codec/keys';
import { encryptedDataConverter } from '../../codec/payload-codec';
import { createLogger, type Logger } from '../../common/logger';
import { type RunningSandbox, type SandboxOptions, startSandbox } from '../../sandbox';
import { devServerExecutable } from '../../scripts/temporal-binaries';
import { createReceiverApp } from '../../webhook-receiver/app';
import { type CallbackSink, createTemporalSink } from '../../webhook-receiver/sink';
import { loadWorkerConfig } from '../../worker/config';
import { PinoTemporalLogger } from '../../worker/runtime';
import { type BoricaWorker, bundleWorkflows, createBoricaWorker } from '../../worker/worker';
import { searchAttributes } from '../../workflows/definitions';
import { freePort, NodeProcess } from '../worker/child-process';

export interface StackOptions {
  /** Run the worker as `node --import tsx worker/main.ts`, so that a test can SIGKILL it. */
  readonly workerInChildProcess?: boolean;
  readonly sandbox?: SandboxOptions;
  /**
   * A file-backed dev server on a fixed port that {@link Stack.temporalServer} stops and starts
   * again. Needs `workerInChildProcess`: an in-process worker would share the dead connection.
   */
  readonly persistentTemporal?: boolean;
  /** Added to the worker's environment, e.g. `{ BORICA_TIMEOUT_MS: '1000' }`. */
  readonly workerEnv?: Readonly<Record<string, string>>;
}

/** A worker that can be stopped, killed and started again. */
export interface StackWorker {
  start(): Promise<void>;
  /** Graceful stop. */
  stop(): Promise<void>;
  /** SIGKILL for a child process; an abrupt shutdown for an in-process worker. */
  kill(): Promise<void>;
  /** Every log line the worker wrote, across restarts, up to now. */
  readonly logs: string[];
  /** Whether a worker is running now. */
  readonly running: boolean;
}

/** The dev server of a `persistentTemporal` stack. */
export interface TemporalServer {
  readonly address: string;
  /** Stops the server; its state stays in the SQLite file. */
  stop(): Promise<void>;
  /** Starts it again on the same port and file, and makes the test's clients afresh. */
  start(): Promise<void>;
  readonly running: boolean;
}

export interface Stack {
  /** The running dev server; a new one after each {@link TemporalServer.start}. */
  readonly temporal: TestWorkflowEnvironment;
  readonly sandbox: RunningSandbox;
  readonly flows: BoricaFlows;
  /** A client that reads raw history: no codec, so it sees what the server stores. */
  readonly rawClient: Client;
  readonly receiverUrl: string;
  readonly worker: StackWorker;
  /** Log lines of the receiver. */
  readonly receiverLogs: string[];
  /** Log lines of the sandbox, unless `sandbox.logger` was given. */
  readonly sandboxLogs: string[];
  /** Environment a worker process gets. */
  readonly env: Record<string, string>;
  /** `DOCUMENT_STORE_DIR`: the encrypted PDFs of workers and clients. */
  readonly documentsDir: string;
  /** Only with `persistentTemporal`; throws otherwise. */
  readonly temporalServer: TemporalServer;
  close(): Promise<void>;
}

const TASK_QUEUE_PREFIX = 'borica-flows-test';
const CALLBACK_SECRET = 'a-callback-secret-of-at-least-32-characters';
let bundle: Promise<{ code: string }> | undefined;
let runtimeLogs: string[] | undefined;

/** What the test talks to Temporal with; remade after a server restart. */
interface Clients {
  readonly flows: BoricaFlows;
  readonly rawClient: Client;
  readonly sink: CallbackSink;
  close(): Promise<void>;
}

export async function startStack(options: StackOptions = {}): Promise<Stack> {
  if (options.persistentTemporal && !options.workerInChildProcess) {
    throw new Error(
      'persistentTemporal needs workerInChildProcess: an in-process worker cannot outlive the server',
    );
  }
  const dir = await mkdtemp(join(tmpdir(), 'borica-stack-'));
  installCapturingRuntime();
  // What is running so far, stopped in reverse if a later part fails to start.
  const undo: (() => Promise<unknown>)[] = [() => rm(dir, { recursive: true, force: true })];
  try {
    return await assemble(options, dir, undo);
  } catch (error) {
    for (const step of undo.reverse()) await step().catch(() => undefined);
    throw error;
  }
}

async function assemble(
  options: StackOptions,
  dir: string,
  undo: (() => Promise<unknown>)[],
): Promise<Stack> {
  const server = await devServer(dir, options.persistentTemporal ?? false);
  undo.push(() => server.stop());
  const sandboxLogs: string[] = [];
  const sandbox = await startSandbox({
    pkiDir: join(dir, 'pki'),
    logger: createLogger('sandbox', collectInto(sandboxLogs)),
    ...options.sandbox,
  });
  undo.push(() => sandbox.close());
  const keys = generateKeySpec('test-1');
  const receiverLogs: string[] = [];
  const receiverLogger = createLogger('webhook-receiver', collectInto(receiverLogs));
  const documentsDir = join(dir, 'documents');

  const taskQueue =
    options.workerEnv?.TEMPORAL_TASK_QUEUE ?? `${TASK_QUEUE_PREFIX}-${Math.random().toString(36).slice(2)}`;
  let clients = await connectClients(server, keys, taskQueue, documentsDir, receiverLogger);
  undo.push(() => clients.close());
  const receiver = await startReceiver(() => clients.sink, sandbox, receiverLogger);
  undo.push(() => closeReceiver(receiver));
  const receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}`;

  const env: Record<string, string> = {
    ...sandbox.env,
    TEMPORAL_ADDRESS: server.address,
    TEMPORAL_NAMESPACE: 'default',
    TEMPORAL_TASK_QUEUE: taskQueue,
    CALLBACK_PUBLIC_URL: receiverUrl,
    CALLBACK_SECRET,
    DOCUMENT_STORE_DIR: documentsDir,
    PAYLOAD_ENCRYPTION_KEYS: keys,
    LOG_LEVEL: 'info',
    ...options.workerEnv,
  };
  const worker = options.workerInChildProcess ? childWorker(env) : inProcessWorker(server, env);
  await worker.start();

  const temporalServer: TemporalServer = {
    address: server.address,
    get running() {
      return server.running;
    },
    async stop() {
      await clients.close();
      await server.stop();
    },
    async start() {
      await server.start();
      clients = await connectClients(server, keys, taskQueue, documentsDir, receiverLogger);
    },
  };

  return {
    get temporal() {
      return server.current();
    },
    sandbox,
    get flows() {
      return clients.flows;
    },
    get rawClient() {
      return clients.rawClient;
    },
    receiverUrl,
    worker,
    receiverLogs,
    sandboxLogs,
    env,
    documentsDir,
    get temporalServer() {
      if (!options.persistentTemporal)
        throw new Error('startStack({ persistentTemporal: true }) has a server to restart');
      return temporalServer;
    },
    async close() {
      // A graceful stop needs the server to drain against; without one, nothing is left to drain.
      await (server.running ? worker.stop() : worker.kill());
      await closeReceiver(receiver);
      await sandbox.close();
      await clients.close();
      await server.stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

// ---------------------------------------------------------------------------------------------
// Temporal

interface DevServer {
  readonly address: string;
  readonly running: boolean;
  /** Whether the test's clients need their own connection (the environment's dies with the server). */
  readonly restartable: boolean;
  current(): TestWorkflowEnvironment;
  start(): Promise<void>;
  stop(): Promise<void>;
}

async function devServer(dir: string, persistent: boolean): Promise<DevServer> {
  const fixed = persistent
    ? { dbFilename: join(dir, 'temporal.sqlite'), port: await freePort(), ip: '127.0.0.1' }
    : {};
  const create = () =>
    TestWorkflowEnvironment.createLocal({
      server: {
        executable: devServerExecutable(),
        searchAttributes,
        ...fixed,
      },
    });

  let environment: TestWorkflowEnvironment | undefined = await create();
  const address = environment.address;
  return {
    address,
    restartable: persistent,
    get running() {
      return environment !== undefined;
    },
    current() {
      if (!environment) throw new Error('the Temporal dev server is stopped');
      return environment;
    },
    async start() {
      if (environment) return;
      environment = await create();
    },
    async stop() {
      const stopping = environment;
      environment = undefined;
      await stopping?.teardown();
    },
  };
}

async function connectClients(
  server: DevServer,
  keys: string,
  taskQueue: string,
  documentsDir: string,
  logger: Logger,
): Promise<Clients> {
  const connection = server.restartable
    ? await Connection.connect({ address: server.address })
    : server.current().connection;
  const ring = parseKeyRing(keys);
  const encrypted = new Client({ connection, dataConverter: encryptedDataConverter(ring) });

  return {
    flows: new BoricaFlows({
      client: encrypted,
      taskQueue,
      documents: createFileDocumentStore({ dir: documentsDir, keys: ring }),
    }),
    rawClient: new Client({ connection }),
    sink: createTemporalSink(encrypted, { logger }),
    async close() {
      if (server.restartable) await connection.close();
    },
  };
}

// ---------------------------------------------------------------------------------------------
// Receiver and worker

/** `sink` is read on every callback, so callbacks reach whichever client is current. */
async function startReceiver(
  sink: () => CallbackSink,
  sandbox: RunningSandbox,
  logger: Logger,
): Promise<Server> {
  const app = createReceiverApp({
    sink: {
      deliver: (workflowId, hint) => sink().deliver(workflowId, hint),
      findSigningWorkflow: (resultId) => sink().findSigningWorkflow(resultId),
      ready: () => sink().ready(),
    },
    secret: CALLBACK_SECRET,
    relyingPartyId: sandbox.relyingPartyId,
    logger,
  });

  const server = app.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return server;
}

async function closeReceiver(receiver: Server): Promise<void> {
  const closed = new Promise<void>((done) => receiver.close(() => done()));
  receiver.closeAllConnections();
  await closed;
}

function inProcessWorker(server: DevServer, env: Record<string, string>): StackWorker {
  let running: { worker: BoricaWorker; done: Promise<void> } | undefined;
  const logs = runtimeLogs ?? [];

  return {
    logs,
    get running() {
      return running !== undefined;
    },
    async start() {
      bundle ??= bundleWorkflows();
      const worker = await createBoricaWorker(loadWorkerConfig(env), {
        workflowBundle: await bundle,
        connection: server.current().nativeConnection,
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
  const earlier: string[] = [];

  async function end(signal: NodeJS.Signals): Promise<void> {
    if (!process) return;
    const ending = process;
    process = undefined;
    ending.signal(signal);
    await ending.exited;
    earlier.push(...ending.stdout, ...ending.stderr);
  }

  return {
    get logs() {
      return process ? [...earlier, ...process.stdout, ...process.stderr] : [...earlier];
    },
    get running() {
      return process !== undefined;
    },
    async start() {
      const starting = new NodeProcess('worker/main.ts', env);
      process = starting;
      try {
        await starting.waitForLog((line) => line.msg === 'worker started');
      } catch (error) {
        process = undefined;
        earlier.push(...starting.stdout, ...starting.stderr);
        throw error;
      }
    },
    stop: () => end('SIGTERM'),
    kill: () => end('SIGKILL'),
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
