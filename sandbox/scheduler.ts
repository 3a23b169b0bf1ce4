import type { Logger } from '../common/logger';

/**
 * Timers the sandbox sets for the simulated customer and for callback retries. Tracked so that
 * closing the sandbox leaves nothing behind, and so that a failing task is logged, not lost.
 */
export class Scheduler {
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly running = new Set<Promise<void>>();
  private closed = false;

  constructor(private readonly log: Logger) {}

  /** Runs `task` after `delayMs`; a rejection is logged under `taskName`. Returns a function that cancels it. */
  after(delayMs: number, taskName: string, task: () => Promise<void> | void): () => void {
    if (this.closed) return () => undefined;

    const timer = setTimeout(() => {
      this.timers.delete(timer);
      this.track(taskName, task);
    }, delayMs);
    this.timers.add(timer);
    return () => {
      clearTimeout(timer);
      this.timers.delete(timer);
    };
  }

  /** Resolves once no timer is pending and no task is running. */
  async idle(): Promise<void> {
    while (this.timers.size > 0 || this.running.size > 0) {
      await Promise.race([...this.running, new Promise((wake) => setTimeout(wake, 10))]);
    }
  }

  /** Cancels every pending timer and waits for running tasks to end. */
  async close(): Promise<void> {
    this.closed = true;
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    await Promise.allSettled([...this.running]);
  }

  private track(taskName: string, task: () => Promise<void> | void): void {
    const run = (async () => task())()
      .catch((error: unknown) => this.log.error({ task: taskName, err: error }, 'scheduled task failed'))
      .finally(() => this.running.delete(run));
    this.running.add(run);
  }
}
