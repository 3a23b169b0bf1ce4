/**
 * The parent's side of {@link ./worker-child}: starts the worker process, asks it for its
 * memory, reads its resident set from /proc, and stops it.
 */
import { type ChildProcess, fork } from 'node:child_process';
import { once } from 'node:events';
import { openSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { killWithParent } from './dev-server';
import type { ChildMessage, ParentMessage } from './worker-child';

export type WorkerKind = 'borica' | 'baseline';

export interface WorkerMemory {
  /** VmRSS from /proc: everything resident, the native Temporal core included. */
  readonly rssBytes: number;
  /** VmHWM: the largest resident set so far. */
  readonly peakRssBytes: number;
  readonly heapUsedBytes: number;
  readonly heapTotalBytes: number;
  readonly externalBytes: number;
  /** Heap in use after a full collection, when asked for. */
  readonly heapUsedAfterGcBytes?: number;
}

export class WorkerProcess {
  private constructor(
    private readonly child: ChildProcess,
    readonly kind: WorkerKind,
  ) {}

  /** Starts the worker with `env` (the same variables as `worker/main.ts`); its output goes to `logPath`. */
  static async start(kind: WorkerKind, env: Record<string, string>, logPath: string): Promise<WorkerProcess> {
    const log = openSync(logPath, 'a');
    const child = fork(resolve(__dirname, 'worker-child.ts'), [], {
      execArgv: ['--import', 'tsx', '--expose-gc'],
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env, BENCH_WORKER: kind },
      stdio: ['ignore', log, log, 'ipc'],
    });
    killWithParent(child);
    const worker = new WorkerProcess(child, kind);
    await worker.next('ready', 120_000);
    return worker;
  }

  get pid(): number {
    return this.child.pid ?? -1;
  }

  async memory(options: { gc?: boolean } = {}): Promise<WorkerMemory> {
    const reply = this.next('memory', 30_000);
    this.send({ type: 'memory', ...options });
    const message = await reply;
    if (message.type !== 'memory') throw new Error('the worker answered something else than its memory');

    const status = readFileSync(`/proc/${this.pid}/status`, 'utf8');
    return {
      rssBytes: kib(status, 'VmRSS'),
      peakRssBytes: kib(status, 'VmHWM'),
      heapUsedBytes: message.usage.heapUsed,
      heapTotalBytes: message.usage.heapTotal,
      externalBytes: message.usage.external,
      ...(message.afterGc ? { heapUsedAfterGcBytes: message.afterGc.heapUsed } : {}),
    };
  }

  /** Graceful stop; SIGKILL if it has not exited after 30 s. */
  async stop(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    const exited = once(this.child, 'exit');
    this.child.kill('SIGTERM');
    const killer = setTimeout(() => this.child.kill('SIGKILL'), 30_000);
    await exited;
    clearTimeout(killer);
  }

  private send(message: ParentMessage): void {
    this.child.send(message);
  }

  private next(type: ChildMessage['type'], timeoutMs: number): Promise<ChildMessage> {
    return new Promise((resolveMessage, reject) => {
      const timer = setTimeout(
        () => fail(new Error(`the ${this.kind} worker sent no '${type}' within ${timeoutMs} ms`)),
        timeoutMs,
      );
      const onMessage = (message: ChildMessage) => {
        if (message.type !== type) return;
        cleanup();
        resolveMessage(message);
      };
      const onExit = (code: number | null) =>
        fail(new Error(`the ${this.kind} worker exited with ${code}; see its log`));
      const cleanup = () => {
        clearTimeout(timer);
        this.child.off('message', onMessage);
        this.child.off('exit', onExit);
      };
      const fail = (error: Error) => {
        cleanup();
        reject(error);
      };
      this.child.on('message', onMessage);
      this.child.on('exit', onExit);
    });
  }
}

function kib(status: string, field: string): number {
  const match = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status);
  if (!match?.[1]) throw new Error(`/proc status has no ${field}`);
  return Number(match[1]) * 1024;
}
