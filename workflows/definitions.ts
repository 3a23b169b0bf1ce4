/**
 * The public face of the workflows: names, inputs, results, messages and search attributes.
 * Business services, the callback receiver and the workflows all speak through these, so
 * this file holds types and message definitions only.
 */
import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';
import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type { DocType, Language, ProcessState, SignaturePosition } from '../borica/schemas';

// ---------------------------------------------------------------------------------------------
// Shared shapes

/** A PDF in the document store; payloads carry this, never the bytes. */
export interface DocumentRef {
  readonly id: string;
  /** Hex SHA-256 of the plaintext, checked on every read. */
  readonly sha256: string;
  readonly size: number;
}

/** The four scenarios, as shown in the `BoricaScenario` search attribute. */
export type Scenario = 'mobile-identification' | 'web-identification' | 'otc-signing' | 'onboard-and-sign';

/**
 * Where a workflow stands, as shown in the `BoricaPhase` search attribute. Terminal phases
 * match the `outcome` of the workflow's result.
 */
export type Phase =
  | 'requesting'
  | 'creating-registration'
  | 'awaiting-customer'
  | 'downloading-result'
  | 'ready-to-sign'
  | 'signing'
  | 'identified'
  | 'signed'
  | 'finished'
  | 'rejected'
  | 'denied'
  | 'cancelled-by-customer'
  | 'refused'
  | 'expired'
  | 'cancelled';

/** A deadline the workflow is waiting for, in ISO 8601. */
export interface Deadline {
  readonly name: 'validity' | 'web-session' | 'registration' | 'sign-session' | 'document-url';
  readonly at: string;
}

/** Answer of the {@link statusQuery}; holds no personal data. */
export interface WorkflowStatus {
  readonly scenario: Scenario;
  readonly phase: Phase;
  readonly externalRef: string;
  readonly deadline?: Deadline;
  /** Last status BORICA reported, e.g. `ON_BOARDING` or `SIGNING_CLIENT_DOCUMENT`. */
  readonly boricaStatus?: string;
  /** Signing rounds finished so far (onboard-and-sign only). */
  readonly rounds?: number;
}

/** Business failure reported by BORICA; `code` and `message` are BORICA's own. */
export interface BoricaRefusal {
  readonly code: string;
  readonly message: string;
}

// ---------------------------------------------------------------------------------------------
// Scenario 1: B-Trust MOBILE identification

export interface MobileIdentificationInput {
  /** The relying party's id for this request; also the workflow id's suffix. */
  readonly externalRef: string;
  readonly person: {
    readonly docType: DocType;
    readonly identificatorValue: string;
    /** `dd-MM-yyyy`, as the guide wants it. */
    readonly dateOfBirth: string;
  };
  readonly phoneNumber: string;
  readonly email: string;
  readonly reason: string;
  readonly language?: Language;
  /** How often BORICA is asked for the result; defaults to 5 s. */
  readonly pollIntervalMs?: number;
}

export type MobileIdentificationResult =
  | {
      readonly outcome: 'identified';
      readonly identifier: string;
      readonly reason: string;
      /** `identification_before`: the organisation the eID identification is for. */
      readonly organisation: string;
      readonly certificate: DocumentRef;
    }
  | ({ readonly outcome: 'rejected' } & BoricaRefusal)
  | { readonly outcome: 'expired'; readonly validity: string };

// ---------------------------------------------------------------------------------------------
// Scenario 2: web (video) identification

export interface WebIdentificationInput {
  readonly externalRef: string;
  readonly reason: string;
  readonly successUrl: string;
  readonly cancelUrl: string;
  readonly language?: Language;
  readonly verifyEmailAddress?: boolean;
  readonly verifyPhoneNumber?: boolean;
  readonly showGtcGdp?: boolean;
  readonly showMainInfo?: boolean;
  /** How often the status is checked while no callback has come; defaults to 2 min. */
  readonly statusPollIntervalMs?: number;
}

/** Where to send the customer, returned by {@link customerRedirectUpdate}. */
export interface CustomerRedirect {
  readonly redirectUrl: string;
  readonly expiresAt: string;
}

export type WebIdentificationResult =
  | {
      readonly outcome: 'identified';
      readonly clientIdentifier: string;
      readonly signSessionId: string;
      readonly signSessionExpiresAt: string;
      readonly certificate: DocumentRef;
    }
  | { readonly outcome: 'cancelled-by-customer' }
  | { readonly outcome: 'rejected'; readonly registrationStatus: string; readonly step?: string }
  | { readonly outcome: 'denied' }
  | { readonly outcome: 'expired'; readonly deadline: Deadline };

// ---------------------------------------------------------------------------------------------
// Scenario 3: OTC signing

/** A document in the store, with how BORICA should present and sign it. */
export interface DocumentToSign {
  readonly document: DocumentRef;
  readonly fileName: string;
  readonly legalFileName: string;
  readonly padesVisualSignature: boolean;
  readonly signaturePosition?: SignaturePosition;
}

export interface SigningRequest {
  readonly documents: readonly DocumentToSign[];
  readonly sendSignedDocumentsByEmail?: boolean;
  readonly successUrl: string;
  readonly cancelUrl: string;
  readonly language?: Language;
}

export interface OtcSigningInput extends SigningRequest {
  readonly externalRef: string;
  /** `clientIdentifier` from the web identification. */
  readonly identifier: string;
  readonly signSessionId: string;
  readonly statusPollIntervalMs?: number;
}

/** Where the customer reads and signs, returned by {@link documentUrlUpdate}. */
export interface DocumentUrl {
  readonly clientDocumentUrl: string;
  readonly expiresAt: string;
}

export interface SignedDocument {
  readonly fileName: string;
  readonly document: DocumentRef;
}

export type OtcSigningResult =
  | {
      readonly outcome: 'signed';
      readonly documents: readonly SignedDocument[];
      readonly signSessionId: string;
      readonly signSessionExpiresAt: string;
    }
  | { readonly outcome: 'refused' }
  | { readonly outcome: 'expired'; readonly deadline: Deadline };

// ---------------------------------------------------------------------------------------------
// Scenario 4: onboarding, then signing rounds

export type OnboardAndSignInput = WebIdentificationInput;

export interface OnboardAndSignResult {
  readonly identification: WebIdentificationResult;
  readonly rounds: readonly OtcSigningResult[];
  /** Why the workflow stopped taking signing requests. */
  readonly ended: 'identification-failed' | 'finished' | 'sign-session-expired';
}

// ---------------------------------------------------------------------------------------------
// Messages

/**
 * What a BORICA callback told the receiver. It only wakes the workflow: the workflow then
 * asks BORICA over mutual TLS what really happened.
 */
export interface CallbackHint {
  readonly processState: ProcessState;
  readonly sessionId: string;
  readonly resultId: string;
  readonly requestId: string;
}

/** Delivered by the webhook receiver for each accepted callback. */
export const boricaCallbackSignal = defineSignal<[CallbackHint]>('boricaCallback');

/** The phase, deadline and last BORICA status of any of the workflows. */
export const statusQuery = defineQuery<WorkflowStatus>('status');

/** Resolves with the customer redirect URL once the registration exists. */
export const customerRedirectUpdate = defineUpdate<CustomerRedirect>('customerRedirect');

/** Resolves with the document URL once the sign session exists. */
export const documentUrlUpdate = defineUpdate<DocumentUrl>('documentUrl');

/** Asks an onboard-and-sign workflow for another signing round; resolves with its document URL. */
export const requestSignaturesUpdate = defineUpdate<DocumentUrl, [SigningRequest]>('requestSignatures');

/** Tells an onboard-and-sign workflow that no more signing rounds will be asked for. */
export const finishSignal = defineSignal('finish');

// ---------------------------------------------------------------------------------------------
// Search attributes: none of them ever holds personal data.

export const scenarioAttribute = defineSearchAttributeKey('BoricaScenario', SearchAttributeType.KEYWORD);
export const phaseAttribute = defineSearchAttributeKey('BoricaPhase', SearchAttributeType.KEYWORD);
export const externalRefAttribute = defineSearchAttributeKey(
  'BoricaExternalRef',
  SearchAttributeType.KEYWORD,
);
/** BORICA's `resultId` of the request the workflow is waiting on; routes SIGN_SESSION callbacks. */
export const resultIdAttribute = defineSearchAttributeKey('BoricaResultId', SearchAttributeType.KEYWORD);

/** Every custom search attribute, for registering them with a Temporal namespace. */
export const searchAttributes = [scenarioAttribute, phaseAttribute, externalRefAttribute, resultIdAttribute];

/** Workflow ids derive from the external reference, so one business request is one workflow. */
export function workflowIdFor(scenario: Scenario, externalRef: string): string {
  return `${scenario}:${externalRef}`;
}
