/**
 * What BORICA's statuses mean for the business, as pure functions: the workflows act on these
 * verdicts and never read a status themselves.
 *
 * BORICA's integration guide lists the statuses but not which of them end a process, so the
 * choices below are this project's reading of it, each with its reason.
 */
import type { SignSessionSnapshot, WebIdentificationSnapshot } from '../activities/types';
import type { WebIdentificationStatus } from '../borica/schemas';

export type WebIdentificationVerdict =
  | 'pending'
  | 'identified'
  | 'cancelled-by-customer'
  | 'rejected'
  | 'denied'
  | 'expired';

export type SigningVerdict = 'pending' | 'signed' | 'refused';

/**
 * The identification result can be downloaded once BORICA creates the sign session: the
 * guide's callback for a finished identification carries `CREATE_SIGN_SESSION_REQUEST`, and
 * the result download is made with that process state. Later statuses mean the same.
 */
const IDENTIFIED: ReadonlySet<WebIdentificationStatus> = new Set([
  'CREATE_SIGN_SESSION_REQUEST',
  'SIGN_SESSION',
  'PROCESS_IS_FINISHED',
]);

/** Statuses of a signing request whose documents are signed and can be downloaded. */
const SIGNED: ReadonlySet<WebIdentificationStatus> = new Set([
  'SIGNED_CLIENT_DOCUMENT',
  'PROCESS_IS_FINISHED',
]);

export function webIdentificationVerdict(snapshot: WebIdentificationSnapshot): WebIdentificationVerdict {
  if (snapshot.status === 'PROCESS_IS_CANCELED_BY_USER') return 'cancelled-by-customer';
  // An agent's denial is final and says more than the rejection that accompanies it.
  if (snapshot.reviewStatus === 'DENIED') return 'denied';
  if (snapshot.registrationStatus === 'REJECTED' || snapshot.step === 'WEB_IDV_REGISTRATION_FAILED') {
    return 'rejected';
  }
  if (snapshot.registrationStatus === 'EXPIRED') return 'expired';
  // While the sign session id is still being made, the result download would find nothing.
  if (IDENTIFIED.has(snapshot.status) && snapshot.step !== 'CREATE_SIGN_SESSION_ID') return 'identified';
  return 'pending';
}

export function signingVerdict(snapshot: SignSessionSnapshot): SigningVerdict {
  if (snapshot.status === 'PROCESS_IS_CANCELED_BY_USER') return 'refused';
  if (snapshot.step === 'SIGNING_WITH_SIGN_SESSION_SUCCESS' || SIGNED.has(snapshot.status)) return 'signed';
  return 'pending';
}
