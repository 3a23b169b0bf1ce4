import { condition } from '@temporalio/workflow';
import type { CallbackHints } from './callbacks';
import type { Deadline } from './definitions';

/** Polls slow down to this interval at most while no callback arrives. */
export const MAX_POLL_INTERVAL_MS = 15 * 60 * 1000;

export interface WaitOptions<V> {
  readonly deadline: Deadline;
  /** First interval between status checks when no callback comes; doubles up to {@link MAX_POLL_INTERVAL_MS}. */
  readonly pollIntervalMs: number;
  readonly hints: CallbackHints;
  /** Asks BORICA; `undefined` means not decided yet. */
  readonly check: () => Promise<V | undefined>;
}

/**
 * Waits for BORICA's verdict on something the customer does: every callback, and a status poll
 * whenever none came for a while, leads to a {@link WaitOptions.check}. The poll backs off so
 * that a wait of a day adds about a hundred checks to history, not thousands.
 *
 * At the deadline the status is checked one last time; `undefined` then means it expired.
 */
export async function waitForVerdict<V>(options: WaitOptions<V>): Promise<V | undefined> {
  const deadline = Date.parse(options.deadline.at);
  let interval = options.pollIntervalMs;

  for (;;) {
    const remaining = deadline - Date.now();
    if (remaining <= 0) return options.check();

    const hinted = await condition(() => options.hints.pending, Math.min(interval, remaining), {
      summary: 'BORICA callback or next status poll',
    });
    options.hints.take();
    if (Date.now() >= deadline) return options.check();

    const verdict = await options.check();
    if (verdict !== undefined) return verdict;
    if (!hinted) interval = Math.min(interval * 2, MAX_POLL_INTERVAL_MS);
  }
}
