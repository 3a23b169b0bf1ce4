/**
 * The worker: BORICA client, document store and activities wired into one Temporal worker
 * that runs every workflow of the project on one task queue.
 */
import {
  bundleWorkflowCode,
  DefaultLogger,
  NativeConnection,
  Worker,
  type WorkerOptions,
  type WorkflowBundleOption,
} from '@temporalio/worker';
import { createActivities } from '../activities';
import { createFileDocumentStore, type DocumentStore } from '../activities/document-store';
import type { BoricaApi } from '../borica/api';
import { createBoricaClient } from '../borica/client';
import { loadTlsMaterial } from '../borica/tls';
import { encryptedDataConverter } from '../codec/payload-codec';
import type { BoricaConfig } from '../common/config';
import { temporalConnectionOptions } from '../common/temporal-connection';
import type { WorkerConfig } from './config';

/** Concurrency and shutdown settings; see {@link WORKER_TUNING}. */
export type WorkerTuning = Pick<
  WorkerOptions,
  | 'maxConcurrentWorkflowTaskExecutions'
  | 'maxConcurrentActivityTaskExecutions'
  | 'maxCachedWorkflows'
  | 'shutdownGraceTime'
  | 'shutdownForceTime'
>;

/** Sized for a 2-core machine with thousands of workflows parked on timers and callbacks. */
export const WORKER_TUNING = {
  // Workflow tasks are CPU work on one thread (V8 context reuse, the SDK's default, needs no
  // more). Beyond a few dozen in flight they only queue inside the worker while their task
  // timeout runs down.
  maxConcurrentWorkflowTaskExecutions: 20,
  // Activities mostly wait on BORICA over the network. What bounds them is memory (a signed
  // PDF is decoded and encrypted in memory) and politeness towards BORICA, not CPU.
  maxConcurrentActivityTaskExecutions: 50,
  // A parked workflow costs the worker nothing: it lives on the server until a timer or a
  // signal wakes it. The cache only spares a replay for workflows woken recently, and a
  // workflow evicted from it replays its short history. With 1,000 the worker peaked at 1.15 GB
  // while starting 10,000 workflows; with 400 at 0.68 GB, at the same throughput.
  maxCachedWorkflows: 400,
  // The SDK's default of 0 would cancel in-flight activities at once; give a BORICA download
  // time to finish instead of repeating it on another worker.
  shutdownGraceTime: '20s',
  // Stop before a typical 30 s orchestrator kill, so the process exits on its own terms.
  shutdownForceTime: '25s',
} as const satisfies WorkerTuning;

/** Replacements for what {@link createBoricaWorker} would build, for tests and benchmarks. */
export interface WorkerOverrides {
  /** A prebuilt bundle (see {@link bundleWorkflows}) instead of bundling `workflows/` at start. */
  readonly workflowBundle?: WorkflowBundleOption;
  /** A connection owned by the caller; the worker leaves it open when it stops. */
  readonly connection?: NativeConnection;
  /** A BORICA client owned by the caller; the worker leaves it open when it stops. */
  readonly borica?: BoricaApi;
  readonly documents?: DocumentStore;
  readonly tuning?: WorkerTuning;
}

/** A worker and the resources it owns. */
export interface BoricaWorker {
  readonly worker: Worker;
  /**
   * Polls until shutdown is requested (SIGTERM, SIGINT or {@link shutdown}), lets in-flight
   * tasks drain, then closes the BORICA client and the connection it opened.
   */
  run(): Promise<void>;
  shutdown(): void;
}

/**
 * Builds the worker. Install the runtime ({@link ./runtime!installRuntime}) before calling it,
 * or the SDK's default runtime (console logging, no metrics) is used.
 */
export async function createBoricaWorker(
  config: WorkerConfig,
  overrides: WorkerOverrides = {},
): Promise<BoricaWorker> {
  const owned = new Resources();
  try {
    const borica = overrides.borica ?? owned.add(await openBoricaClient(config.borica));
    const connection =
      overrides.connection ??
      owned.add(await NativeConnection.connect(temporalConnectionOptions(config.temporal)));
    const worker = await Worker.create(workerOptions(config, overrides, connection, borica));

    return { worker, run: () => owned.closeAfter(worker.run()), shutdown: () => worker.shutdown() };
  } catch (error) {
    await owned.close();
    throw error;
  }
}

/**
 * Bundles `workflows/` ahead of time with the project's failure converter, for tests that
 * start several workers and would otherwise bundle once per worker.
 */
export async function bundleWorkflows(): Promise<{ code: string }> {
  return bundleWorkflowCode({
    workflowsPath: workflowsPath(),
    failureConverterPath: require.resolve('../codec/failure-converter'),
    // Bundling progress is noise in test output; warnings and errors still show.
    logger: new DefaultLogger('WARN'),
  });
}

function workerOptions(
  config: WorkerConfig,
  overrides: WorkerOverrides,
  connection: NativeConnection,
  borica: BoricaApi,
): WorkerOptions {
  const documents =
    overrides.documents ?? createFileDocumentStore({ dir: config.store.dir, keys: config.encryption.keys });
  const activities = createActivities({
    borica,
    documents,
    callbacks: config.callbacks,
    identificationUrl: config.borica.identificationUrl,
  });

  return {
    connection,
    namespace: config.temporal.namespace,
    taskQueue: config.temporal.taskQueue,
    ...(overrides.workflowBundle
      ? { workflowBundle: overrides.workflowBundle }
      : { workflowsPath: workflowsPath() }),
    activities,
    dataConverter: encryptedDataConverter(config.encryption.keys),
    ...(overrides.tuning ?? WORKER_TUNING),
  };
}

function workflowsPath(): string {
  return require.resolve('../workflows');
}

async function openBoricaClient(config: BoricaConfig): Promise<BoricaApi> {
  const tls = await loadTlsMaterial({
    certPath: config.clientCertPath,
    keyPath: config.clientKeyPath,
    caPath: config.caCertPath,
    ...(config.clientKeyPassphrase === undefined ? {} : { passphrase: config.clientKeyPassphrase }),
  });

  return createBoricaClient({
    baseUrl: config.baseUrl,
    relyingPartyId: config.relyingPartyId,
    tls,
    timeoutMs: config.timeoutMs,
  });
}

/** What the worker opened itself and must close once it has stopped. */
class Resources {
  private readonly closables: { close(): Promise<void> }[] = [];

  add<T extends { close(): Promise<void> }>(resource: T): T {
    this.closables.push(resource);
    return resource;
  }

  async closeAfter(running: Promise<void>): Promise<void> {
    const stopped = await running.then(
      () => ({ ok: true as const }),
      (error: unknown) => ({ ok: false as const, error }),
    );
    try {
      await this.close();
    } catch (closeError) {
      if (stopped.ok) throw closeError;
      throw new AggregateError(
        [stopped.error, closeError],
        'the worker failed, then closing its resources failed',
      );
    }
    if (!stopped.ok) throw stopped.error;
  }

  async close(): Promise<void> {
    const results = await Promise.allSettled(this.closables.map((resource) => resource.close()));
    const failure = results.find((result) => result.status === 'rejected');
    if (failure) throw new Error('closing a worker resource failed', { cause: failure.reason });
  }
}
