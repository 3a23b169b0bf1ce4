import {
  isGrpcServiceError,
  ServiceError,
  WorkflowFailedError,
  WorkflowNotFoundError,
  WorkflowUpdateFailedError,
} from '@temporalio/client';
import {
  ApplicationFailure,
  CancelledFailure,
  TerminatedFailure,
  TimeoutFailure,
  WorkflowExecutionAlreadyStartedError,
} from '@temporalio/common';
import {
  BoricaFlowsError,
  FlowClosedError,
  type FlowEnding,
  FlowFailedError,
  FlowNotFoundError,
  RequestRefusedError,
  TemporalUnavailableError,
} from './errors';

/** What the failed call was about, for the error that replaces Temporal's. */
export interface CallContext {
  readonly workflowId: string;
  /** What was asked, in words: `the customerRedirect update`. */
  readonly request: string;
  readonly address: string | undefined;
  /** Tells a workflow that has ended from one that never existed. */
  readonly exists: () => Promise<boolean>;
}

const UNAVAILABLE = 14;

/**
 * Turns an error from the Temporal client into one of the client's own errors; anything it does
 * not know is returned unchanged, so nothing is swallowed.
 */
export async function translateTemporalError(error: unknown, context: CallContext): Promise<unknown> {
  if (error instanceof BoricaFlowsError) return error;
  if (error instanceof WorkflowExecutionAlreadyStartedError)
    return new FlowClosedError(context.workflowId, { cause: error });
  if (error instanceof WorkflowUpdateFailedError) return refused(error, context);
  if (error instanceof WorkflowFailedError)
    return new FlowFailedError(context.workflowId, endingOf(error), { cause: error });
  if (isUnavailable(error)) return new TemporalUnavailableError(context.address, { cause: error });
  if (error instanceof WorkflowNotFoundError) return await notFoundOrClosed(error, context);
  return error;
}

/** Whether the error says the Temporal service could not be reached. */
export function isUnavailable(error: unknown): boolean {
  const grpc = error instanceof ServiceError ? error.cause : error;
  return isGrpcServiceError(grpc) && grpc.code === UNAVAILABLE;
}

function refused(error: WorkflowUpdateFailedError, context: CallContext): RequestRefusedError {
  const cause = error.cause;
  const reason =
    cause instanceof ApplicationFailure && cause.type
      ? `${cause.type}: ${cause.message}`
      : (cause?.message ?? 'the workflow gave no reason');
  return new RequestRefusedError(context.workflowId, context.request, reason, { cause: error });
}

function endingOf(error: WorkflowFailedError): FlowEnding {
  if (error.cause instanceof CancelledFailure) return 'cancelled';
  if (error.cause instanceof TerminatedFailure) return 'terminated';
  if (error.cause instanceof TimeoutFailure) return 'timed-out';
  return 'failed';
}

// Temporal answers NOT_FOUND both for an unknown id and for a message sent to a closed workflow.
async function notFoundOrClosed(
  error: WorkflowNotFoundError,
  context: CallContext,
): Promise<BoricaFlowsError> {
  const exists = await context.exists().catch(() => false);
  return exists
    ? new FlowClosedError(context.workflowId, { cause: error })
    : new FlowNotFoundError(context.workflowId, { cause: error });
}
