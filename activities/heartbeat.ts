import { Context } from '@temporalio/activity';
import { HEARTBEAT_INTERVAL_MS } from '../workflows/heartbeats';

type Activity = (...args: never[]) => Promise<unknown>;

/**
 * Wraps each activity so that it heartbeats every {@link HEARTBEAT_INTERVAL_MS} while it runs, and
 * an attempt lost with its worker is retried within the heartbeat timeout of the workflows'
 * activity options (the mobile poll sets none: its attempts end long before a first beat).
 *
 * Each beat repeats the details the attempt started with, so the record a billable attempt
 * carries over survives. The new record a failing billable attempt leaves is never followed by
 * a beat: the failure reaches the `finally` below in the same turn of the event loop (and were
 * it followed, the next attempt would only be more cautious). Heartbeats also bring a
 * cancellation to the activity, which aborts its request to BORICA.
 */
export function heartbeating<A extends Record<string, Activity>>(activities: A): A {
  const wrapped: Record<string, Activity> = {};
  for (const [name, activity] of Object.entries(activities)) {
    wrapped[name] = async (...args) => {
      const context = Context.current();
      const beat = setInterval(() => context.heartbeat(context.info.heartbeatDetails), HEARTBEAT_INTERVAL_MS);
      try {
        return await activity(...args);
      } finally {
        clearInterval(beat);
      }
    };
  }
  return wrapped as A;
}
