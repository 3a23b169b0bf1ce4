import { randomUUID } from 'node:crypto';
import type {
  CreateRegistrationRequest,
  RegistrationStatus,
  ReviewStatus,
  StartWebIdentificationRequest,
  WebIdentificationStatus,
  WebIdentificationStep,
} from '../borica/schemas';
import { withoutLastSegment } from './billing';
import type { CallbackPayload } from './callbacks';
import { relyingPartyName, type SandboxContext } from './context';
import { conflict, notFound } from './errors';
import { isoInstant, type Registration, type WebIdentification, type WebState } from './model';
import { createEidCertificate } from './pdf';
import { identifierFor, webPerson } from './people';

/** What the customer (or a test) can do to a web identification, by the registration's sessionId. */
export const WEB_ACTIONS = ['open', 'complete', 'cancel', 'reject', 'deny', 'expire'] as const;
export type WebAction = (typeof WEB_ACTIONS)[number];

export interface WebStatus {
  status: WebIdentificationStatus;
  step: WebIdentificationStep;
}

/** Answer of the status endpoint for each state of a web identification. */
const STATUS: Record<WebState, WebStatus> = {
  started: { status: 'START_WEB_SESSION', step: 'START' },
  registered: { status: 'START_WEB_SESSION', step: 'WEB_IDV_REGISTRATION' },
  opened: { status: 'ON_BOARDING', step: 'WEB_IDV_REGISTRATION' },
  completed: { status: 'CREATE_SIGN_SESSION_REQUEST', step: 'SIGN_SESSION_ID_SUCCESSFULLY_CREATED' },
  canceled: { status: 'PROCESS_IS_CANCELED_BY_USER', step: 'WEB_IDV_REGISTRATION' },
  rejected: { status: 'IN_PROGRESS', step: 'WEB_IDV_REGISTRATION_FAILED' },
  denied: { status: 'IN_PROGRESS', step: 'WEB_IDV_REGISTRATION_FAILED' },
};

/**
 * Web (video) identification: a web session, its registration, the customer on the
 * identification page, the callback, and the result with a fresh sign session.
 */
export class WebIdentifications {
  constructor(private readonly context: SandboxContext) {}

  start(request: StartWebIdentificationRequest, now = Date.now()) {
    const web: WebIdentification = {
      resultId: this.context.registry.nextResultId(),
      requestId: this.context.registry.nextRequestId(),
      webSessionId: randomUUID(),
      callbackUrl: request.requestCallbackUrl,
      reason: request.identificationReason,
      expiresAt: now + this.context.settings.timings.webSessionTtlMs,
      state: 'started',
    };
    this.context.registry.addWeb(web);
    this.context.billing.record('startWebIdentification', withoutLastSegment(request.requestCallbackUrl));

    return {
      webSessionId: web.webSessionId,
      resultId: web.resultId,
      webSessionExpireDate: isoInstant(web.expiresAt),
    };
  }

  /** createRegistration; asking again for the same web session answers with the same registration. */
  register(webSessionId: string, request: CreateRegistrationRequest, now = Date.now()) {
    const web = this.context.registry.webBySessionId.get(webSessionId);
    if (!web || now >= web.expiresAt) throw notFound('no live web session has this webSessionId');

    if (!web.registration) {
      web.registration = this.newRegistration(request, now);
      web.state = 'registered';
      this.context.registry.addRegistration(web);
      this.scheduleAutopilot(web.registration.sessionId);
    }
    return this.registrationBody(web, web.registration);
  }

  status(web: WebIdentification): WebStatus {
    return STATUS[web.state];
  }

  registrationStatus(registrationId: string, now = Date.now()) {
    const web = this.context.registry.webByRegistrationId.get(registrationId);
    if (!web?.registration) throw notFound('no registration has this registrationId');

    const { status, reviewStatus } = registrationState(web, web.registration, now);
    const processedOn = web.finishedAt === undefined ? null : isoInstant(web.finishedAt);
    return {
      createdOn: isoInstant(web.registration.createdAt),
      processedOn,
      registrationId,
      reviewStatus,
      reviewedOn: reviewStatus === 'ALLOWED' || reviewStatus === 'DENIED' ? processedOn : null,
      status,
      userMessageBg: USER_MESSAGES[web.state] ?? null,
    };
  }

  /** The result download with processState CREATE_SIGN_SESSION_REQUEST. */
  result(resultId: number, webSessionId: string, onlyMetadata: boolean) {
    const web = this.context.registry.webByResultId.get(resultId);
    if (!web || web.webSessionId !== webSessionId)
      throw notFound('no web identification has this resultId and sessionId');
    const { signSession, certificate } = web;
    if (web.state !== 'completed' || !signSession || !certificate)
      throw notFound('the identification has not completed');

    return {
      ...(onlyMetadata ? {} : { eIDDocAsBase64: certificate.toString('base64') }),
      clientIdentifier: signSession.identifier,
      signSessionId: signSession.signSessionId,
      signSessionIdExpireDate: isoInstant(signSession.expiresAt),
    };
  }

  byResultId(resultId: number): WebIdentification | undefined {
    return this.context.registry.webByResultId.get(resultId);
  }

  /** Finds the identification behind a customer URL's sessionId. */
  bySessionId(sessionId: string): WebIdentification {
    const web = this.context.registry.webByRegistrationSessionId.get(sessionId);
    if (!web) throw notFound('no registration has this sessionId');
    return web;
  }

  async act(sessionId: string, action: WebAction, name?: string): Promise<WebIdentification> {
    const web = this.bySessionId(sessionId);
    if (action === 'open') return this.open(web);
    if (action === 'expire') return this.expire(web);

    this.assertLive(web);
    if (action === 'complete') await this.complete(web, name);
    else this.finish(web, action === 'cancel' ? 'canceled' : action === 'reject' ? 'rejected' : 'denied');
    return web;
  }

  /** The customer has the identification page in front of them. */
  open(web: WebIdentification): WebIdentification {
    if (web.state === 'registered' && this.isLive(web)) web.state = 'opened';
    return web;
  }

  private expire(web: WebIdentification): WebIdentification {
    const now = Date.now();
    web.expiresAt = Math.min(web.expiresAt, now);
    if (web.registration) web.registration.expiresAt = Math.min(web.registration.expiresAt, now);
    return web;
  }

  private async complete(web: WebIdentification, name: string | undefined): Promise<void> {
    const person = webPerson(name);
    const identifier = identifierFor(this.context.relyingPartyId, person);
    const facts = {
      identifier,
      reason: web.reason,
      relyingParty: relyingPartyName(this.context),
      issuedAt: new Date(),
    };
    const certificate = await createEidCertificate(person, facts, this.context.signer);

    this.assertLive(web);
    const signSession = {
      signSessionId: randomUUID(),
      identifier,
      person,
      expiresAt: Date.now() + this.context.settings.timings.signSessionTtlMs,
      identification: web,
    };
    Object.assign(web, { person, identifier, certificate, signSession });
    this.context.registry.signSessions.set(signSession.signSessionId, signSession);
    this.finish(web, 'completed');
  }

  private finish(web: WebIdentification, state: 'completed' | 'canceled' | 'rejected' | 'denied'): void {
    web.state = state;
    web.finishedAt = Date.now();
    this.context.callbacks.send(web.callbackUrl, this.callbackFor(web, state));
  }

  private callbackFor(
    web: WebIdentification,
    state: 'completed' | 'canceled' | 'rejected' | 'denied',
  ): CallbackPayload {
    const rejected = state === 'rejected' || state === 'denied';
    const outcome = {
      completed: 'completed successfully',
      canceled: 'was canceled by the user',
      rejected: 'was rejected',
      denied: 'was rejected',
    }[state];
    return {
      code: rejected ? 'REJECTED' : 'OK',
      message: rejected ? 'The request is rejected.' : 'The request has been executed successfully.',
      requestId: web.requestId,
      relyingPartyId: Number(this.context.relyingPartyId),
      data: {
        processState:
          state === 'completed'
            ? 'CREATE_SIGN_SESSION_REQUEST'
            : state === 'canceled'
              ? 'PROCESS_IS_CANCELED_BY_USER'
              : 'IN_PROGRESS',
        sessionId: web.webSessionId,
        // The guide's identification callback carries resultId as a string.
        resultId: String(web.resultId),
        dataMessage: `The request with resultID ${web.resultId} ${outcome}`,
      },
    };
  }

  private assertLive(web: WebIdentification): void {
    if (web.state !== 'registered' && web.state !== 'opened')
      throw conflict(`the identification is already ${web.state}`);
    if (!this.isLive(web)) throw conflict('the identification has expired');
  }

  /** Whether the customer can still finish: registered, and neither session nor registration expired. */
  isLive(web: WebIdentification, now = Date.now()): boolean {
    return now < web.expiresAt && web.registration !== undefined && now < web.registration.expiresAt;
  }

  private newRegistration(request: CreateRegistrationRequest, now: number): Registration {
    return {
      sessionId: randomUUID(),
      registrationId: randomUUID(),
      createdAt: now,
      expiresAt: now + this.context.settings.timings.registrationTtlMs,
      request,
    };
  }

  private registrationBody(web: WebIdentification, registration: Registration) {
    const { request } = registration;
    return {
      userLanguage: request.userLanguage,
      verifyEmailAddress: request.verifyEmailAddress,
      verifyPhoneNumber: request.verifyPhoneNumber,
      successUrl: request.successUrl,
      cancelUrl: request.cancelUrl,
      sessionId: registration.sessionId,
      registrationId: registration.registrationId,
      createdOn: isoInstant(registration.createdAt),
      expiredOn: isoInstant(registration.expiresAt),
      serviceName: `OTC_RELIVING_PARTY_${this.context.relyingPartyId}`,
      otcRequestId: web.webSessionId,
    };
  }

  private scheduleAutopilot(sessionId: string): void {
    const plan = this.context.settings.autopilot.web;
    if (plan.outcome === 'none') return;
    const outcome = plan.outcome;

    this.context.scheduler.after(plan.afterMs, 'web autopilot', async () => {
      const web = this.context.registry.webByRegistrationSessionId.get(sessionId);
      // The customer cannot act on an identification that has already ended.
      if (!web || (web.state !== 'registered' && web.state !== 'opened') || !this.isLive(web)) return;

      this.open(web);
      await this.act(sessionId, outcome);
    });
  }
}

const USER_MESSAGES: Partial<Record<WebState, string>> = {
  rejected: 'Видео идентификацията е неуспешна.',
  denied: 'Регистрацията е отказана от оператор.',
};

function registrationState(web: WebIdentification, registration: Registration, now: number) {
  const finished: Partial<Record<WebState, { status: RegistrationStatus; reviewStatus: ReviewStatus }>> = {
    completed: { status: 'FINALIZED', reviewStatus: 'ALLOWED' },
    rejected: { status: 'REJECTED', reviewStatus: 'N_A' },
    denied: { status: 'COMPLETED', reviewStatus: 'DENIED' },
  };
  const outcome = finished[web.state];
  if (outcome) return outcome;
  return { status: now >= registration.expiresAt ? 'EXPIRED' : 'STARTED', reviewStatus: 'N_A' } as const;
}
