import type {
  CreateRegistrationRequest,
  CreateRegistrationResponse,
  IdentificationProgress,
  IdentificationRequest,
  IdentificationResponse,
  IdentificationResult,
  Language,
  RegistrationStatusResponse,
  SignedDocumentsResult,
  StartSignSessionRequest,
  StartSignSessionResponse,
  StartWebIdentificationRequest,
  StartWebIdentificationResponse,
  WebIdentificationResults,
  WebIdentificationResultsRequest,
  WebIdentificationStatusResponse,
} from './schemas';

/**
 * Answer to GET `/identification/{callbackId}`: 206 means the customer has not finished yet,
 * which is a state, not an error.
 */
export type IdentificationPoll =
  | { readonly finished: false; readonly progress: IdentificationProgress }
  | { readonly finished: true; readonly result: IdentificationResult };

/** Options that apply to one call. */
export interface CallOptions {
  /** Sent as `Accept-language`; localises BORICA's `message`. */
  readonly language?: Language;
  /** Aborts the request, e.g. when the calling activity is cancelled. */
  readonly signal?: AbortSignal;
}

/**
 * Every Signing API v2 operation of the remote identification guide. Requests are validated
 * against {@link ./schemas} before they are sent, and responses after they arrive; failures
 * are {@link ./errors!BoricaError}s.
 *
 * Implemented over mutual TLS by {@link ./client!createBoricaClient}.
 */
export interface BoricaApi {
  /** POST `/identification`: starts a B-Trust MOBILE identification. Billable. */
  identify(request: IdentificationRequest, options?: CallOptions): Promise<IdentificationResponse>;

  /** GET `/identification/{callbackId}`. */
  getIdentificationResult(callbackId: string, options?: CallOptions): Promise<IdentificationPoll>;

  /** POST `/identification/web/websession/start`. Billable. */
  startWebIdentification(
    request: StartWebIdentificationRequest,
    options?: CallOptions,
  ): Promise<StartWebIdentificationResponse>;

  /** POST `/identification/web/sessions/by-otc-request/{webSessionId}`. */
  createRegistration(
    webSessionId: string,
    request: CreateRegistrationRequest,
    options?: CallOptions,
  ): Promise<CreateRegistrationResponse>;

  /** GET `/identification/web/{resultId}/result/{processState}/{sessionId}[/{onlyMetadata}]` after identification. */
  getWebIdentificationResults(
    request: WebIdentificationResultsRequest,
    options?: CallOptions,
  ): Promise<WebIdentificationResults>;

  /** POST `/identification/web/signsession/start`. Billable. */
  startSignSession(
    request: StartSignSessionRequest,
    options?: CallOptions,
  ): Promise<StartSignSessionResponse>;

  /** GET `/identification/web/{resultId}/result/SIGN_SESSION/{signSessionId}`: the signed documents. */
  getSignedDocuments(
    request: { readonly resultId: string; readonly signSessionId: string },
    options?: CallOptions,
  ): Promise<SignedDocumentsResult>;

  /** GET `/identification/web/sessions/by-otc-request/{registrationId}/status`. */
  getRegistrationStatus(registrationId: string, options?: CallOptions): Promise<RegistrationStatusResponse>;

  /** GET `/identification/web/{resultId}/status`. */
  getWebIdentificationStatus(
    resultId: string,
    options?: CallOptions,
  ): Promise<WebIdentificationStatusResponse>;

  /** Closes the connection pool. */
  close(): Promise<void>;
}
