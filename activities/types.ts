/**
 * Inputs and outputs of the activities. Workflows see only these (through `import type`), and
 * none of them carries a PDF: documents travel as {@link DocumentRef}s.
 */
import type {
  Language,
  MobileIdentificationStatus,
  RegistrationStatus,
  ReviewStatus,
  WebIdentificationStatus,
  WebIdentificationStep,
} from '../borica/schemas';
import type {
  DocumentRef,
  DocumentToSign,
  MobileIdentificationInput,
  SignedDocument,
  WebIdentificationInput,
} from '../workflows/definitions';

/** What BORICA is sent for a B-Trust MOBILE identification: the workflow's input less its own settings. */
export type MobileIdentificationRequest = Omit<MobileIdentificationInput, 'externalRef' | 'pollIntervalMs'>;

export interface MobileIdentificationStarted {
  readonly callbackId: string;
  /** After this instant BORICA considers the request void. */
  readonly validity: string;
}

/** Where a B-Trust MOBILE identification stands. */
export type MobileIdentificationCheck =
  | { readonly state: 'pending'; readonly status: MobileIdentificationStatus }
  | {
      readonly state: 'finished';
      readonly identifier: string;
      readonly reason: string;
      readonly organisation: string;
      readonly certificate: DocumentRef;
    }
  | { readonly state: 'rejected'; readonly code: string; readonly message: string };

export interface WebIdentificationStarted {
  readonly webSessionId: string;
  readonly resultId: string;
  readonly webSessionExpiresAt: string;
}

/** What createRegistration is sent: the web identification's input for the customer's pages. */
export type RegistrationRequest = Pick<
  WebIdentificationInput,
  | 'externalRef'
  | 'successUrl'
  | 'cancelUrl'
  | 'language'
  | 'verifyEmailAddress'
  | 'verifyPhoneNumber'
  | 'showGtcGdp'
  | 'showMainInfo'
> & { readonly webSessionId: string };

export interface RegistrationCreated {
  readonly sessionId: string;
  readonly registrationId: string;
  readonly expiresAt: string;
  /** The video-identification page for this registration. */
  readonly redirectUrl: string;
}

/** BORICA's view of a web identification: the process status and the registration's review. */
export interface WebIdentificationSnapshot {
  readonly status: WebIdentificationStatus;
  readonly step: WebIdentificationStep;
  readonly registrationStatus: RegistrationStatus;
  readonly reviewStatus: ReviewStatus;
}

export interface IdentificationDownload {
  readonly clientIdentifier: string;
  readonly signSessionId: string;
  readonly signSessionExpiresAt: string;
  readonly certificate: DocumentRef;
}

export interface SignSessionRequest {
  readonly identifier: string;
  readonly signSessionId: string;
  readonly documents: readonly DocumentToSign[];
  readonly sendSignedDocumentsByEmail?: boolean;
  readonly successUrl: string;
  readonly cancelUrl: string;
  readonly language?: Language;
}

export interface SignSessionStarted {
  readonly resultId: string;
  readonly clientDocumentUrl: string;
  readonly expiresAt: string;
}

/** BORICA's view of a signing request. */
export interface SignSessionSnapshot {
  readonly status: WebIdentificationStatus;
  readonly step: WebIdentificationStep;
}

export interface SignedDocumentsDownload {
  readonly documents: readonly SignedDocument[];
  readonly signSessionId: string;
  readonly signSessionExpiresAt: string;
}
