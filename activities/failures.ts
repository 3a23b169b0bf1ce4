import { ApplicationFailure } from '@temporalio/common';
import { BoricaError, BoricaHttpError, BoricaNetworkError } from '../borica/errors';
import { BILLABLE_OUTCOME_UNKNOWN } from '../workflows/failure-types';
import { DocumentStoreError } from './document-store';

export { BILLABLE_OUTCOME_UNKNOWN };

/**
 * Billable POSTs (identification, web session start, sign session start) are sent at most this
 * many times when BORICA may have received them. Every attempt that may have arrived may have
 * created a request BORICA charges for and that nobody will ever follow up, so a second one
 * is allowed (a 5xx or a lost answer is usually transient) and a third is not: at that point
 * an operator should look at BORICA's side before the business tries again.
 */
export const BILLABLE_ATTEMPTS = 2;

/** What an activity raises for an error of the BORICA client or the document store. */
export function toFailure(error: unknown): unknown {
  if (error instanceof BoricaError) {
    return ApplicationFailure.create({
      type: error.name,
      message: error.message,
      nonRetryable: !error.retryable,
      details: error instanceof BoricaHttpError ? [{ status: error.status, code: error.code }] : [],
      cause: error,
    });
  }
  if (error instanceof DocumentStoreError) {
    return ApplicationFailure.create({
      type: error.name,
      message: error.message,
      nonRetryable: true,
      cause: error,
    });
  }
  return error;
}

/**
 * Like {@link toFailure}, for a billable POST whose attempt is the `mayHaveReached`-th that may
 * have reached BORICA. A retry is free when the request certainly never did: the connection
 * failed before it was sent, or BORICA throttled it (429). Otherwise a retryable error is
 * retried only within {@link BILLABLE_ATTEMPTS}.
 */
export function toBillableFailure(error: unknown, mayHaveReached: number): unknown {
  if (!(error instanceof BoricaError) || !error.retryable || certainlyNotReceived(error)) {
    return toFailure(error);
  }
  if (mayHaveReached < BILLABLE_ATTEMPTS) return toFailure(error);

  return billableOutcomeUnknown(mayHaveReached, error);
}

/** Heartbeat details a billable attempt leaves for the next one. */
export interface BillableRecord {
  /** Earlier attempts that certainly never reached BORICA. */
  readonly notReceived: number;
}

/**
 * Earlier attempts of a billable POST that may have reached BORICA: all of them, less those
 * that recorded they certainly did not. An attempt lost with its worker records nothing and so
 * counts, which keeps a crash loop from sending the request again and again.
 */
export function attemptsThatMayHaveReached(attempt: number, record: unknown): number {
  return attempt - 1 - notReceivedIn(record);
}

export function notReceivedIn(record: unknown): number {
  const notReceived = (record as Partial<BillableRecord> | undefined)?.notReceived;
  return typeof notReceived === 'number' ? notReceived : 0;
}

/** The failure that stops a billable POST from being sent once more. */
export function billableOutcomeUnknown(mayHaveReached: number, cause?: Error): ApplicationFailure {
  const reason = cause ? `${cause.message}; ` : '';
  return ApplicationFailure.create({
    type: BILLABLE_OUTCOME_UNKNOWN,
    message: `${reason}gave up after ${mayHaveReached} attempts that may have reached BORICA, so a request may exist there: check BORICA's records before starting the business request again`,
    nonRetryable: true,
    ...(cause ? { cause } : {}),
  });
}

/** The request certainly never reached BORICA, so sending it again cannot bill twice. */
export function certainlyNotReceived(error: unknown): boolean {
  if (error instanceof BoricaNetworkError) {
    return !error.requestSent;
  }
  return error instanceof BoricaHttpError && error.status === 429;
}
/** BORICA answered 4xx with a `REJECTED` body: for the mobile result, a business outcome. */
export function isRejection(error: unknown): error is BoricaHttpError {
  return (
    error instanceof BoricaHttpError && [400, 403, 404].includes(error.status) && error.code === 'REJECTED'
  );
}
