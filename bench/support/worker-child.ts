/**
 * A worker in its own process, so that its memory can be read on its own:
 * `node --import tsx bench/support/worker-child.ts`, configured like `worker/main.ts` from the
 * environment, plus `BENCH_WORKER=borica|baseline`. It answers `{ type: 'memory' }` on the IPC
 * channel with `process.memoryUsage()` and stops on `{ type: 'stop' }` or SIGTERM.
 */
import { NativeConnection, Worker } from '@temporalio/worker';
import { createLogger } from '../../common/logger';
import { loadWorkerConfig, type WorkerConfig } from '../../worker/config';
import { installRuntime } from '../../worker/runtime';
import { createBoricaWorker, WORKER_TUNING } from '../../worker/worker';
import { createBaselineActivities } from '../baseline/activities';

export type ParentMessage = { type: 'memory'; gc?: boolean } | { type: 'stop' };
export type ChildMessage =
  | { type: 'ready' }
  | { type: 'memory'; usage: NodeJS.MemoryUsage; afterGc?: NodeJS.MemoryUsage };

interface Runnable {
  run(): Promise<void>;
  shutdown(): void;
}

async function main(): Promise<void> {
  const config = loadWorkerConfig(process.env);
  installRuntime(config, createLogger('worker'));
  const worker =
    process.env.BENCH_WORKER === 'baseline' ? await baselineWorker(config) : await createBoricaWorker(config);

  process.on('message', (message: ParentMessage) => answer(message, worker));
  const running = worker.run();
  send({ type: 'ready' });
  await running;
  process.disconnect?.();
}

async function baselineWorker(config: WorkerConfig): Promise<Runnable> {
  const connection = await NativeConnection.connect({ address: config.temporal.address });
  const worker = await Worker.create({
    connection,
    namespace: config.temporal.namespace,
    taskQueue: config.temporal.taskQueue,
    workflowsPath: require.resolve('../baseline/workflows'),
    activities: createBaselineActivities(),
    ...WORKER_TUNING,
  });
  return {
    run: () => worker.run().finally(() => connection.close()),
    shutdown: () => worker.shutdown(),
  };
}

function answer(message: ParentMessage, worker: Runnable): void {
  if (message.type === 'stop') {
    worker.shutdown();
    return;
  }

  const usage = process.memoryUsage();
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!message.gc || !gc) {
    send({ type: 'memory', usage });
    return;
  }
  gc();
  send({ type: 'memory', usage, afterGc: process.memoryUsage() });
}

function send(message: ChildMessage): void {
  process.send?.(message);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
