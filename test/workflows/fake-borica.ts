/**
 * An in-memory BORICA for workflow and activity tests. It keeps the state of every request the
 * way BORICA would, and tests play the customer by changing that state. Instants come from the
 * test server's clock, so deadlines line up with workflow time even when time is skipped.
 */
import type { BoricaApi, IdentificationPoll } from '../../borica/api';
import { BoricaHttpError } from '../../borica/errors';
import type {
  CreateRegistrationRequest,
  DocumentForSign,
  IdentificationRequest,
  RegistrationStatus,
  ReviewStatus,
  StartSignSessionRequest,
  WebIdentificationStatus,
  WebIdentificationStep,
} from '../../borica/schemas';

export const HOUR = 60 * 60 * 1000;

export interface FakeMobile {
  readonly callbackId: string;
  readonly request: IdentificationRequest;
  readonly validity: number;
  outcome: 'pending' | 'finished' | 'rejected';
  /** The customer confirms at this instant (test-server time), if set. */
  finishAt?: number;
}

export interface FakeWeb {
  readonly resultId: string;
  readonly webSessionId: string;
  readonly callbackUrl: string;
  readonly expiresAt: number;
  registration?: {
    readonly registrationId: string;
    readonly sessionId: string;
    readonly request: CreateRegistrationRequest;
    readonly expiresAt: number;
  };
  status: WebIdentificationStatus;
  step: WebIdentificationStep;
  /** The customer finishes at this instant (test-server time), if set. */
  identifyAt?: number;
  registrationStatus: RegistrationStatus;
  reviewStatus: ReviewStatus;
}

export interface FakeSigning {
  readonly resultId: string;
  readonly request: StartSignSessionRequest;
  readonly expiresAt: number;
  status: WebIdentificationStatus;
  step: WebIdentificationStep;
}

/** A PDF-looking payload; what the fake returns as an eID certificate. */
export const CERTIFICATE = Buffer.from('%PDF-1.7\neID certificate of a test customer\n%%EOF\n');

export class FakeBorica implements BoricaApi {
  /** Every call, in order, with the test-server time it was made at. */
  readonly calls: { readonly operation: keyof BoricaApi; readonly at: number }[] = [];
  readonly mobiles = new Map<string, FakeMobile>();
  readonly webs = new Map<string, FakeWeb>();
  readonly signings = new Map<string, FakeSigning>();
  /** Errors the next calls of an operation throw, first one first. */
  readonly failures = new Map<keyof BoricaApi, Error[]>();

  mobileValidityMs = HOUR;
  webSessionMs = 40 * 60 * 1000;
  registrationMs = HOUR;
  documentUrlMs = 24 * HOUR;
  signSessionMs = 36 * HOUR;
  /** When set, createRegistration answers only after this promise settles. */
  registrationGate: Promise<void> | undefined;

  #nextId = 100;
  #signSessions = new Map<string, { identifier: string; expiresAt: number }>();

  constructor(private readonly clock: () => Promise<number>) {}

  // -------------------------------------------------------------------------------------------
  // What a test looks at and does

  count(operation: keyof BoricaApi): number {
    return this.calls.filter((call) => call.operation === operation).length;
  }

  web(externalRef: string): FakeWeb {
    const web = [...this.webs.values()].find(
      (candidate) => candidate.registration?.request.externalRef === externalRef,
    );
    if (!web) throw new Error(`no registration for ${externalRef} yet`);
    return web;
  }

  lastWeb(): FakeWeb {
    const web = [...this.webs.values()].at(-1);
    if (!web) throw new Error('no web identification yet');
    return web;
  }

  lastSigning(): FakeSigning {
    const signing = [...this.signings.values()].at(-1);
    if (!signing) throw new Error('no signing yet');
    return signing;
  }

  /** The customer finished the video identification and BORICA made the sign session. */
  completeIdentification(web: FakeWeb): void {
    Object.assign(web, {
      status: 'CREATE_SIGN_SESSION_REQUEST',
      step: 'SIGN_SESSION_ID_SUCCESSFULLY_CREATED',
      registrationStatus: 'FINALIZED',
      reviewStatus: 'ALLOWED',
    });
  }

  completeSigning(signing: FakeSigning): void {
    Object.assign(signing, { status: 'SIGNED_CLIENT_DOCUMENT', step: 'SIGNING_WITH_SIGN_SESSION_SUCCESS' });
  }

  // -------------------------------------------------------------------------------------------
  // BoricaApi

  async identify(request: IdentificationRequest) {
    const now = await this.enter('identify');
    const callbackId = `cb-${this.#id()}`;
    const validity = now + this.mobileValidityMs;
    this.mobiles.set(callbackId, { callbackId, request, validity, outcome: 'pending' });
    return { code: 'ACCEPTED', data: { callbackId, validity: iso(validity) } };
  }

  async getIdentificationResult(callbackId: string): Promise<IdentificationPoll> {
    const now = await this.enter('getIdentificationResult');
    const mobile = this.mobiles.get(callbackId);
    if (!mobile) throw new BoricaHttpError('getIdentificationResult', 404, 'NOT_FOUND', 'unknown callbackId');
    if (mobile.finishAt !== undefined && now >= mobile.finishAt) mobile.outcome = 'finished';

    if (mobile.outcome === 'rejected') {
      throw new BoricaHttpError('getIdentificationResult', 403, 'REJECTED', 'The request is rejected.');
    }
    if (mobile.outcome === 'pending')
      return { finished: false, progress: { code: 'OK', status: 'IN_PROGRESS' } };
    return {
      finished: true,
      result: {
        code: 'OK',
        status: 'FINISHED',
        data: {
          content: CERTIFICATE.toString('base64'),
          identification_before: 'BORICA',
          identification_reason: mobile.request.identificationReason,
          identifier: `eid-${callbackId}`,
        },
      },
    };
  }

  async startWebIdentification(request: { requestCallbackUrl: string; identificationReason: string }) {
    const now = await this.enter('startWebIdentification');
    const resultId = String(this.#id());
    const web: FakeWeb = {
      resultId,
      webSessionId: `ws-${resultId}`,
      callbackUrl: request.requestCallbackUrl,
      expiresAt: now + this.webSessionMs,
      status: 'START_WEB_SESSION',
      step: 'WEB_IDV_REGISTRATION',
      registrationStatus: 'STARTED',
      reviewStatus: 'N_A',
    };
    this.webs.set(resultId, web);
    return {
      code: 'ACCEPTED',
      data: { webSessionId: web.webSessionId, resultId, webSessionExpireDate: iso(web.expiresAt) },
    };
  }

  async createRegistration(webSessionId: string, request: CreateRegistrationRequest) {
    const now = await this.enter('createRegistration');
    await this.registrationGate;
    const web = [...this.webs.values()].find((candidate) => candidate.webSessionId === webSessionId);
    if (!web) throw new BoricaHttpError('createRegistration', 404, 'NOT_FOUND', 'unknown web session');

    const id = this.#id();
    web.registration = {
      registrationId: `reg-${id}`,
      sessionId: `sess-${id}`,
      request,
      expiresAt: now + this.registrationMs,
    };
    return {
      userLanguage: request.userLanguage,
      verifyEmailAddress: request.verifyEmailAddress,
      verifyPhoneNumber: request.verifyPhoneNumber,
      successUrl: request.successUrl,
      cancelUrl: request.cancelUrl,
      sessionId: web.registration.sessionId,
      registrationId: web.registration.registrationId,
      createdOn: iso(now),
      expiredOn: iso(web.registration.expiresAt),
      serviceName: 'OTC_RELYING_PARTY_TEST',
      otcRequestId: webSessionId,
    };
  }

  async getWebIdentificationStatus(resultId: string) {
    const now = await this.enter('getWebIdentificationStatus');
    const web = this.webs.get(resultId);
    if (web?.identifyAt !== undefined && now >= web.identifyAt) this.completeIdentification(web);
    const item = web ?? this.signings.get(resultId);
    if (!item) throw new BoricaHttpError('getWebIdentificationStatus', 404, 'NOT_FOUND', 'unknown resultId');
    return { code: 'OK', data: { status: item.status, step: item.step } };
  }

  async getRegistrationStatus(registrationId: string) {
    const now = await this.enter('getRegistrationStatus');
    const web = [...this.webs.values()].find(
      (candidate) => candidate.registration?.registrationId === registrationId,
    );
    if (!web) throw new BoricaHttpError('getRegistrationStatus', 404, 'NOT_FOUND', 'unknown registration');
    return {
      createdOn: iso(now),
      registrationId,
      reviewStatus: web.reviewStatus,
      status: web.registrationStatus,
    };
  }

  async getWebIdentificationResults(request: {
    resultId: string | number;
    processState: string;
    sessionId: string;
  }) {
    const now = await this.enter('getWebIdentificationResults');
    const web = this.webs.get(String(request.resultId));
    if (
      !web ||
      web.webSessionId !== request.sessionId ||
      request.processState !== 'CREATE_SIGN_SESSION_REQUEST'
    ) {
      throw new BoricaHttpError('getWebIdentificationResults', 404, 'NOT_FOUND', 'no such result');
    }

    const signSessionId = `sign-${web.resultId}`;
    const expiresAt = now + this.signSessionMs;
    this.#signSessions.set(signSessionId, { identifier: `client-${web.resultId}`, expiresAt });
    return {
      code: 'OK',
      data: {
        eIDDocAsBase64: CERTIFICATE.toString('base64'),
        clientIdentifier: `client-${web.resultId}`,
        signSessionId,
        signSessionIdExpireDate: iso(expiresAt),
      },
    };
  }

  async startSignSession(request: StartSignSessionRequest) {
    const now = await this.enter('startSignSession');
    const session = this.#signSessions.get(request.signSessionId);
    if (!session || session.identifier !== request.identifier || now >= session.expiresAt) {
      throw new BoricaHttpError('startSignSession', 400, 'BAD_REQUEST', 'unknown or expired sign session');
    }

    const resultId = String(this.#id());
    const signing: FakeSigning = {
      resultId,
      request,
      expiresAt: now + this.documentUrlMs,
      status: 'SIGN_SESSION',
      step: 'START',
    };
    this.signings.set(resultId, signing);
    return {
      code: 'OK',
      data: {
        clientDocumentUrl: `https://sign.example.test/doc/${resultId}`,
        expireDate: iso(signing.expiresAt),
        resultId,
      },
    };
  }

  async getSignedDocuments(request: { resultId: string; signSessionId: string }) {
    const now = await this.enter('getSignedDocuments');
    const signing = this.signings.get(request.resultId);
    if (!signing || signing.request.signSessionId !== request.signSessionId) {
      throw new BoricaHttpError('getSignedDocuments', 404, 'NOT_FOUND', 'no such result');
    }

    // Each signature hands out a fresh sign session for the next round.
    const signSessionId = `${request.signSessionId}+`;
    const expiresAt = now + this.signSessionMs;
    this.#signSessions.set(signSessionId, { identifier: signing.request.identifier, expiresAt });
    return {
      code: 'OK',
      data: {
        signDocuments: signing.request.documentsForSign.map((document) => ({
          filename: document.fileName,
          contentAsBase64: signedCopy(document).toString('base64'),
        })),
        clientIdentifier: signing.request.identifier,
        signSessionId,
        signSessionIdExpireDate: iso(expiresAt),
      },
    };
  }

  async close(): Promise<void> {}

  // -------------------------------------------------------------------------------------------

  private async enter(operation: keyof BoricaApi): Promise<number> {
    const at = await this.clock();
    this.calls.push({ operation, at });
    const failure = this.failures.get(operation)?.shift();
    if (failure) throw failure;
    return at;
  }

  #id(): number {
    this.#nextId += 1;
    return this.#nextId;
  }
}

/** What the fake returns as the signed version of a document. */
export function signedCopy(document: Pick<DocumentForSign, 'contentAsBase64'>): Buffer {
  return Buffer.concat([Buffer.from(document.contentAsBase64, 'base64'), Buffer.from('\n% signed\n')]);
}

function iso(ms: number): string {
  return new Date(ms).toISOString().replace('Z', '+00:00');
}
