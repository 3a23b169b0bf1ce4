/**
 * One activity per BORICA operation. Built by {@link createActivities} around a BORICA client
 * and a document store; PDFs go into the store on the way in and come out of it on the way to
 * BORICA, so activity inputs and results carry only references.
 */
import { Context, log } from '@temporalio/activity';
import { ApplicationFailure, ApplicationFailureCategory } from '@temporalio/common';
import type { BoricaApi, CallOptions } from '../borica/api';
import { BoricaContractError } from '../borica/errors';
import type { Language } from '../borica/schemas';
import { customerRedirectUrl } from '../borica/urls';
import { callbackUrlFor } from '../common/callback-token';
import { IDENTIFICATION_PENDING } from '../workflows/failure-types';
import type { DocumentStore } from './document-store';
import {
  attemptsThatMayHaveReached,
  BILLABLE_ATTEMPTS,
  type BillableRecord,
  billableOutcomeUnknown,
  certainlyNotReceived,
  isRejection,
  notReceivedIn,
  toBillableFailure,
  toFailure,
} from './failures';
import { heartbeating } from './heartbeat';
import type {
  IdentificationDownload,
  MobileIdentificationCheck,
  MobileIdentificationRequest,
  MobileIdentificationStarted,
  RegistrationCreated,
  RegistrationRequest,
  SignedDocumentsDownload,
  SignSessionRequest,
  SignSessionSnapshot,
  SignSessionStarted,
  WebIdentificationSnapshot,
  WebIdentificationStarted,
} from './types';

export type * from './types';

export interface ActivityDependencies {
  readonly borica: BoricaApi;
  readonly documents: DocumentStore;
  /** `CALLBACK_PUBLIC_URL` and `CALLBACK_SECRET`: where BORICA reports web identifications. */
  readonly callbacks: { readonly publicUrl: string; readonly secret: string };
  /** `BORICA_IDENTIFICATION_URL`: base of the customer's video-identification page. */
  readonly identificationUrl: string;
}

export type Activities = ReturnType<typeof createActivities>;

export function createActivities({ borica, documents, callbacks, identificationUrl }: ActivityDependencies) {
  return heartbeating({
    async requestMobileIdentification(
      request: MobileIdentificationRequest,
    ): Promise<MobileIdentificationStarted> {
      const response = await billable(() =>
        borica.identify(
          {
            personIdentityData: request.person,
            phoneNumber: request.phoneNumber,
            email: request.email,
            payer: 'RELYING_PARTY',
            identificationReason: request.reason,
          },
          callOptions(request.language),
        ),
      );

      log.info('mobile identification requested', { callbackId: response.data.callbackId });
      return { callbackId: response.data.callbackId, validity: response.data.validity };
    },

    checkMobileIdentification(callbackId: string): Promise<MobileIdentificationCheck> {
      return checkMobile(callbackId);
    },

    /**
     * Like `checkMobileIdentification`, but fails with a retryable `IdentificationPending` while
     * the customer has not answered, so that Temporal's retry policy does the polling.
     */
    async awaitMobileIdentification(
      callbackId: string,
    ): Promise<Exclude<MobileIdentificationCheck, { state: 'pending' }>> {
      const check = await checkMobile(callbackId);
      if (check.state !== 'pending') return check;

      throw ApplicationFailure.create({
        type: IDENTIFICATION_PENDING,
        message: `the customer has not finished the identification yet (BORICA status ${check.status})`,
        category: ApplicationFailureCategory.BENIGN,
      });
    },

    async startWebIdentification(request: {
      readonly reason: string;
      readonly language?: Language;
    }): Promise<WebIdentificationStarted> {
      // Built here, not in the workflow, so the token never enters workflow history.
      const requestCallbackUrl = callbackUrlFor(callbacks.publicUrl, callbacks.secret, callingWorkflowId());

      const { data } = await billable(() =>
        borica.startWebIdentification(
          { requestCallbackUrl, identificationReason: request.reason },
          callOptions(request.language),
        ),
      );

      log.info('web identification started', { resultId: data.resultId });
      return {
        webSessionId: data.webSessionId,
        resultId: data.resultId,
        webSessionExpiresAt: data.webSessionExpireDate,
      };
    },

    async createRegistration(request: RegistrationRequest): Promise<RegistrationCreated> {
      const registration = await call(() =>
        borica.createRegistration(
          request.webSessionId,
          {
            cancelUrl: request.cancelUrl,
            successUrl: request.successUrl,
            deviceFingerprint: {},
            externalRef: request.externalRef,
            userLanguage: request.language ?? 'bg',
            verifyEmailAddress: request.verifyEmailAddress ?? true,
            verifyPhoneNumber: request.verifyPhoneNumber ?? true,
            ...(request.showGtcGdp === undefined ? {} : { showGtcGdp: request.showGtcGdp }),
            ...(request.showMainInfo === undefined ? {} : { showMainInfo: request.showMainInfo }),
          },
          callOptions(request.language),
        ),
      );

      log.info('registration created', { registrationId: registration.registrationId });
      return {
        sessionId: registration.sessionId,
        registrationId: registration.registrationId,
        expiresAt: registration.expiredOn,
        redirectUrl: customerRedirectUrl(identificationUrl, registration.sessionId),
      };
    },

    async checkWebIdentification(ids: {
      readonly resultId: string;
      readonly registrationId: string;
    }): Promise<WebIdentificationSnapshot> {
      const [identification, registration] = await Promise.all([
        call(() => borica.getWebIdentificationStatus(ids.resultId, callOptions())),
        call(() => borica.getRegistrationStatus(ids.registrationId, callOptions())),
      ]);

      return {
        status: identification.data.status,
        step: identification.data.step,
        registrationStatus: registration.status,
        reviewStatus: registration.reviewStatus,
      };
    },

    async downloadIdentification(ids: {
      readonly resultId: string;
      readonly webSessionId: string;
    }): Promise<IdentificationDownload> {
      const { data } = await call(() =>
        borica.getWebIdentificationResults(
          {
            resultId: ids.resultId,
            processState: 'CREATE_SIGN_SESSION_REQUEST',
            sessionId: ids.webSessionId,
            onlyMetadata: false,
          },
          callOptions(),
        ),
      );
      if (data.eIDDocAsBase64 === undefined) {
        throw toFailure(
          new BoricaContractError(
            'getWebIdentificationResults',
            'data.eIDDocAsBase64',
            'missing although the full result was asked for',
          ),
        );
      }

      const certificate = await stored(data.eIDDocAsBase64);
      log.info('identification downloaded', { resultId: ids.resultId, documentId: certificate.id });
      return {
        clientIdentifier: data.clientIdentifier,
        signSessionId: data.signSessionId,
        signSessionExpiresAt: data.signSessionIdExpireDate,
        certificate,
      };
    },

    async startSignSession(request: SignSessionRequest): Promise<SignSessionStarted> {
      const documentsForSign = await Promise.all(
        request.documents.map(async ({ document, signaturePosition, ...presentation }) => ({
          ...presentation,
          ...(signaturePosition ? { signaturePosition } : {}),
          contentAsBase64: (await read(document)).toString('base64'),
        })),
      );

      const { data } = await billable(() =>
        borica.startSignSession(
          {
            identifier: request.identifier,
            signSessionId: request.signSessionId,
            documentsForSign,
            sendSignedDocumentsByEmail: request.sendSignedDocumentsByEmail ?? false,
            successUrl: request.successUrl,
            cancelUrl: request.cancelUrl,
          },
          callOptions(request.language),
        ),
      );

      log.info('sign session started', { resultId: data.resultId, documents: documentsForSign.length });
      return {
        resultId: data.resultId,
        clientDocumentUrl: data.clientDocumentUrl,
        expiresAt: data.expireDate,
      };
    },

    async checkSignSession(resultId: string): Promise<SignSessionSnapshot> {
      const { data } = await call(() => borica.getWebIdentificationStatus(resultId, callOptions()));
      return { status: data.status, step: data.step };
    },

    async downloadSignedDocuments(ids: {
      readonly resultId: string;
      readonly signSessionId: string;
    }): Promise<SignedDocumentsDownload> {
      const { data } = await call(() => borica.getSignedDocuments(ids, callOptions()));

      const signed = await Promise.all(
        data.signDocuments.map(async ({ filename, contentAsBase64 }) => ({
          fileName: filename,
          document: await stored(contentAsBase64),
        })),
      );

      log.info('signed documents downloaded', { resultId: ids.resultId, documents: signed.length });
      return {
        documents: signed,
        signSessionId: data.signSessionId,
        signSessionExpiresAt: data.signSessionIdExpireDate,
      };
    },
  });

  async function checkMobile(callbackId: string): Promise<MobileIdentificationCheck> {
    let poll: Awaited<ReturnType<BoricaApi['getIdentificationResult']>>;
    try {
      poll = await borica.getIdentificationResult(callbackId, callOptions());
    } catch (error) {
      if (!isRejection(error)) throw toFailure(error);
      log.info('mobile identification rejected', { callbackId, status: error.status });
      return { state: 'rejected', code: error.code ?? 'REJECTED', message: error.boricaMessage ?? '' };
    }

    if (!poll.finished) return { state: 'pending', status: poll.progress.status };

    const { data } = poll.result;
    const certificate = await stored(data.content);
    log.info('mobile identification finished', { callbackId, documentId: certificate.id });
    return {
      state: 'finished',
      identifier: data.identifier,
      reason: data.identification_reason,
      organisation: data.identification_before,
      certificate,
    };
  }

  async function stored(base64: string) {
    return call(() => documents.put(Buffer.from(base64, 'base64')));
  }

  async function read(ref: Parameters<DocumentStore['get']>[0]) {
    return call(() => documents.get(ref));
  }
}

function callingWorkflowId(): string {
  const execution = Context.current().info.workflowExecution;
  if (!execution) {
    throw ApplicationFailure.nonRetryable(
      'startWebIdentification must be called from a workflow: the callback URL names the workflow to wake',
      'ActivityMisuse',
    );
  }
  return execution.workflowId;
}

function callOptions(language?: Language): CallOptions {
  const signal = Context.current().cancellationSignal;
  return language ? { signal, language } : { signal };
}

async function call<T>(operation: () => Promise<T>): Promise<T> {
  try {
    return await operation();
  } catch (error) {
    throw toFailure(error);
  }
}

async function billable<T>(operation: () => Promise<T>): Promise<T> {
  const context = Context.current();
  const { attempt, heartbeatDetails } = context.info;
  const notReceived = notReceivedIn(heartbeatDetails);
  const mayHaveReached = attemptsThatMayHaveReached(attempt, heartbeatDetails);
  if (mayHaveReached >= BILLABLE_ATTEMPTS) throw billableOutcomeUnknown(mayHaveReached);

  try {
    return await operation();
  } catch (error) {
    // Losing this record only makes the next attempt more cautious, never less.
    if (certainlyNotReceived(error))
      context.heartbeat({ notReceived: notReceived + 1 } satisfies BillableRecord);
    throw toBillableFailure(error, mayHaveReached + 1);
  }
}
