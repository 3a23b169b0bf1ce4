/**
 * The product as the benchmarks run it: a Temporal dev server, the BORICA sandbox (in this
 * process), the webhook receiver and the worker each in a process of its own, started from their
 * real entry points and configured through the same environment variables as in production.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { openSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Client, Connection } from '@temporalio/client';
import pino from 'pino';
import { createFileDocumentStore } from '../../activities/document-store';
import { BoricaFlows } from '../../client';
import { generateKeySpec, parseKeyRing } from '../../codec/keys';
import { encryptedDataConverter } from '../../codec/payload-codec';
import { createLogger } from '../../common/logger';
import { type RunningSandbox, type SandboxOptions, startSandbox } from '../../sandbox';
import { WORKER_TUNING } from '../../worker/worker';
import { type CallbackGate, startCallbackGate } from './callback-gate';
import { DEV_SERVER_SETTINGS, type DevServer, freePort, killWithParent, startDevServer } from './dev-server';
import { type WorkerKind, WorkerProcess } from './worker-process';

const root = resolve(__dirname, '..', '..');

/**
 * The receiver's per-address rate limit (`RECEIVER_RATE_LIMIT`, per minute). Every callback of a
 * benchmark comes from 127.0.0.1, as in production all of BORICA's come from a few addresses; the
 * default of 600 a minute would refuse most of them.
 */
export const BENCH_RECEIVER_RATE_LIMIT = 1_000_000;

export interface BenchStackOptions {
  /** Names the temporary directory. */
  readonly name: string;
  /**
   * `receiver`: callback URLs point at the receiver. `gate`: at a {@link CallbackGate} that holds
   * BORICA's callbacks until the benchmark releases them at its own pace.
   */
  readonly callbacks?: 'receiver' | 'gate';
  readonly sandbox?: Pick<SandboxOptions, 'timings' | 'autopilot'>;
}

export interface BenchStack {
  readonly server: DevServer;
  readonly sandbox: RunningSandbox;
  /** Encrypting client on the product's task queue. */
  readonly flows: BoricaFlows;
  readonly client: Client;
  /** No codec: sees what the server stores. */
  readonly rawClient: Client;
  readonly receiverUrl: string;
  readonly gate: CallbackGate | undefined;
  readonly secret: string;
  readonly taskQueue: Record<WorkerKind, string>;
  /** Settings of the worker and receiver processes, for the result file. */
  readonly settings: Record<string, unknown>;
  startWorker(kind: WorkerKind): Promise<WorkerProcess>;
  close(): Promise<void>;
}

export async function startBenchStack(options: BenchStackOptions): Promise<BenchStack> {
  const dir = await mkdtemp(join(tmpdir(), `borica-bench-${options.name}-`));
  // BENCH_KEEP_LOGS=1 keeps the directory (worker, receiver logs) for a look after the run.
  const keep = process.env.BENCH_KEEP_LOGS === '1';
  const cleanup: (() => Promise<void>)[] = [
    async () => (keep ? console.log(`logs kept in ${dir}`) : rm(dir, { recursive: true, force: true })),
  ];
  const close = async () => {
    process.off('SIGINT', interrupted).off('SIGTERM', interrupted);
    for (const step of cleanup.splice(0).reverse()) await step();
  };
  // Ctrl-C must not leave a dev server, a worker and a receiver running.
  const interrupted = () => {
    void close().finally(() => process.exit(130));
  };
  process.once('SIGINT', interrupted).once('SIGTERM', interrupted);

  try {
    return await assemble(options, dir, cleanup, close);
  } catch (error) {
    await close();
    throw error;
  }
}

async function assemble(
  options: BenchStackOptions,
  dir: string,
  cleanup: (() => Promise<void>)[],
  close: () => Promise<void>,
): Promise<BenchStack> {
  const server = await startDevServer();
  cleanup.push(() => server.stop());

  const sandbox = await startSandbox({
    pkiDir: join(dir, 'pki'),
    logger: quietLogger('sandbox'),
    ...options.sandbox,
  });
  cleanup.push(() => sandbox.close());

  const keys = generateKeySpec('bench-1');
  const secret = 'a-benchmark-callback-secret-of-at-least-32-characters';
  const common = {
    TEMPORAL_ADDRESS: server.address,
    TEMPORAL_NAMESPACE: 'default',
    PAYLOAD_ENCRYPTION_KEYS: keys,
    CALLBACK_SECRET: secret,
    LOG_LEVEL: 'info',
  };

  const receiverPort = await freePort();
  const receiver = spawnReceiver(dir, {
    ...common,
    BORICA_RELYING_PARTY_ID: sandbox.relyingPartyId,
    RECEIVER_PORT: String(receiverPort),
    RECEIVER_RATE_LIMIT: String(BENCH_RECEIVER_RATE_LIMIT),
  });
  cleanup.push(() => stopProcess(receiver));
  const receiverUrl = `http://127.0.0.1:${receiverPort}`;
  await waitHealthy(receiverUrl, receiver);

  const gate = options.callbacks === 'gate' ? await startCallbackGate(receiverUrl) : undefined;
  if (gate) cleanup.push(() => gate.close());

  const connection = await Connection.connect({ address: server.address });
  cleanup.push(() => connection.close());
  const ring = parseKeyRing(keys);
  const documentsDir = join(dir, 'documents');
  const taskQueue = { borica: 'bench-borica', baseline: 'bench-baseline' };
  const client = new Client({ connection, dataConverter: encryptedDataConverter(ring) });
  const flows = new BoricaFlows({
    client,
    taskQueue: taskQueue.borica,
    documents: createFileDocumentStore({ dir: documentsDir, keys: ring }),
  });

  const workers: WorkerProcess[] = [];
  cleanup.push(async () => {
    for (const worker of workers) await worker.stop();
  });
  const workerEnv = (kind: WorkerKind) => ({
    ...sandbox.env,
    ...common,
    TEMPORAL_TASK_QUEUE: taskQueue[kind],
    CALLBACK_PUBLIC_URL: gate?.url ?? receiverUrl,
    DOCUMENT_STORE_DIR: documentsDir,
  });

  return {
    server,
    sandbox,
    flows,
    client,
    rawClient: new Client({ connection }),
    receiverUrl,
    gate,
    secret,
    taskQueue,
    settings: {
      devServer: { ...DEV_SERVER_SETTINGS, version: server.version },
      worker: {
        ...WORKER_TUNING,
        process: 'worker/worker.ts createBoricaWorker in its own Node process',
        LOG_LEVEL: 'info',
      },
      receiver: {
        process: 'webhook-receiver/main.ts',
        RECEIVER_RATE_LIMIT: BENCH_RECEIVER_RATE_LIMIT,
        LOG_LEVEL: 'info',
      },
      sandbox: { process: 'in the benchmark process', ...options.sandbox },
    },
    async startWorker(kind) {
      const worker = await WorkerProcess.start(kind, workerEnv(kind), join(dir, `worker-${kind}.log`));
      workers.push(worker);
      return worker;
    },
    close,
  };
}

function spawnReceiver(dir: string, env: Record<string, string>): ChildProcess {
  const log = openSync(join(dir, 'receiver.log'), 'a');
  const child = spawn(process.execPath, ['--import', 'tsx', 'webhook-receiver/main.ts'], {
    cwd: root,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env },
    stdio: ['ignore', log, log],
  });
  killWithParent(child);
  return child;
}

async function waitHealthy(url: string, child: ChildProcess): Promise<void> {
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null)
      throw new Error(`the receiver exited with ${child.exitCode}; see receiver.log`);
    const healthy = await fetch(`${url}/healthz`).then(
      (response) => response.ok,
      () => false,
    );
    if (healthy) return;
    await sleep(200);
  }
  throw new Error('the receiver did not become healthy within 60 s');
}

async function stopProcess(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, 'exit');
  child.kill('SIGTERM');
  const killer = setTimeout(() => child.kill('SIGKILL'), 15_000);
  await exited;
  clearTimeout(killer);
}

/** The sandbox stands in for BORICA: its request logs are not the product's cost, its warnings still show. */
function quietLogger(component: string) {
  const logger = createLogger(component, pino.destination({ fd: 2, sync: false }));
  logger.level = 'warn';
  return logger;
}
