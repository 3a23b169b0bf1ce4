import { isCancellation } from '@temporalio/workflow';
import type { Progress } from './progress';

/**
 * Runs a workflow's body so that a cancellation request shows as phase `cancelled` and still
 * closes the workflow as cancelled. Timers and activities belong to the body's scope, so the
 * cancellation reaches all of them.
 */
export async function closingAsCancelled<T>(progress: Progress, body: () => Promise<T>): Promise<T> {
  try {
    return await body();
  } catch (error) {
    if (isCancellation(error))
      progress.enter('cancelled', 'Cancelled at the request of the business service.');
    throw error;
  }
}
