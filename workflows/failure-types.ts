/**
 * `type`s of the failures that activities raise on purpose and workflows react to. Plain
 * constants, so both sides can import them.
 */

/** Raised by `awaitMobileIdentification` while the customer has not answered; its retries are the poll. */
export const IDENTIFICATION_PENDING = 'IdentificationPending';

/** A billable request may exist at BORICA although no attempt to create it got an answer. */
export const BILLABLE_OUTCOME_UNKNOWN = 'BillableRequestOutcomeUnknown';
