import type { CreateRegistrationRequest, DocumentForSign } from '../borica/schemas';
import type { Person } from './people';

/** A B-Trust MOBILE identification. */
export interface MobileIdentification {
  callbackId: string;
  person: Person;
  reason: string;
  /** The organisation the identification is for, as the result's `identification_before` names it. */
  before: string;
  progressAt: number;
  validUntil: number;
  outcome: 'pending' | 'finished' | 'rejected';
  identifier?: string;
  certificate?: Buffer;
}

/** Where a web identification stands, as the customer moved it. */
export type WebState = 'started' | 'registered' | 'opened' | 'completed' | 'canceled' | 'rejected' | 'denied';

/** A web (video) identification: the web session and, once created, its registration. */
export interface WebIdentification {
  resultId: number;
  requestId: number;
  webSessionId: string;
  callbackUrl: string;
  reason: string;
  expiresAt: number;
  state: WebState;
  registration?: Registration;
  /** When the registration was processed (finished one way or another). */
  finishedAt?: number;
  person?: Person;
  identifier?: string;
  certificate?: Buffer;
  signSession?: SignSession;
}

export interface Registration {
  sessionId: string;
  registrationId: string;
  createdAt: number;
  expiresAt: number;
  request: CreateRegistrationRequest;
}

/** What a completed web identification leaves behind: the right to sign for a while. */
export interface SignSession {
  signSessionId: string;
  identifier: string;
  person: Person;
  expiresAt: number;
  identification: WebIdentification;
}

/** One request to sign documents within a sign session. */
export interface SigningRound {
  resultId: number;
  requestId: number;
  documentToken: string;
  session: SignSession;
  documents: DocumentForSign[];
  expiresAt: number;
  state: 'waiting' | 'signed' | 'refused';
  signed?: { filename: string; content: Buffer }[];
  successUrl: string;
  cancelUrl: string;
}

/** Instants as the guide writes them: milliseconds and an explicit +00:00 offset. */
export function isoInstant(ms: number): string {
  return new Date(ms).toISOString().replace('Z', '+00:00');
}
