import type { MobileIdentification, SigningRound, SignSession, WebIdentification } from './model';

/** Records outlive their last deadline by this much, so late polls still get a meaningful answer. */
const RETENTION_MS = 15 * 60_000;

/**
 * Everything the sandbox remembers, in memory, with the lookups the API needs. Web sessions and
 * signing rounds draw their `resultId` from one counter, as BORICA's do, so that the status
 * endpoint can answer for either.
 */
export class Registry {
  readonly mobile = new Map<string, MobileIdentification>();
  readonly webByResultId = new Map<number, WebIdentification>();
  readonly webBySessionId = new Map<string, WebIdentification>();
  readonly webByRegistrationSessionId = new Map<string, WebIdentification>();
  readonly webByRegistrationId = new Map<string, WebIdentification>();
  readonly signSessions = new Map<string, SignSession>();
  readonly roundsByResultId = new Map<number, SigningRound>();
  readonly roundsByToken = new Map<string, SigningRound>();

  private resultIds = 100;
  private requestIds = 300;

  nextResultId(): number {
    this.resultIds += 1;
    return this.resultIds;
  }

  nextRequestId(): number {
    this.requestIds += 1;
    return this.requestIds;
  }

  addWeb(web: WebIdentification): void {
    this.webByResultId.set(web.resultId, web);
    this.webBySessionId.set(web.webSessionId, web);
  }

  addRegistration(web: WebIdentification): void {
    if (!web.registration) return;
    this.webByRegistrationSessionId.set(web.registration.sessionId, web);
    this.webByRegistrationId.set(web.registration.registrationId, web);
  }

  addRound(round: SigningRound): void {
    this.roundsByResultId.set(round.resultId, round);
    this.roundsByToken.set(round.documentToken, round);
  }

  /** Forgets what expired long ago, so a long benchmark does not grow the sandbox without bound. */
  sweep(now: number): void {
    const before = now - RETENTION_MS;
    for (const [id, mobile] of this.mobile) if (mobile.validUntil < before) this.mobile.delete(id);
    for (const round of this.roundsByResultId.values()) if (round.expiresAt < before) this.forgetRound(round);
    for (const session of this.signSessions.values()) {
      if (session.expiresAt < before) this.signSessions.delete(session.signSessionId);
    }
    for (const web of this.webByResultId.values()) if (lastDeadlineOf(web) < before) this.forgetWeb(web);
  }

  private forgetRound(round: SigningRound): void {
    this.roundsByResultId.delete(round.resultId);
    this.roundsByToken.delete(round.documentToken);
  }

  private forgetWeb(web: WebIdentification): void {
    this.webByResultId.delete(web.resultId);
    this.webBySessionId.delete(web.webSessionId);
    if (!web.registration) return;
    this.webByRegistrationSessionId.delete(web.registration.sessionId);
    this.webByRegistrationId.delete(web.registration.registrationId);
  }
}

function lastDeadlineOf(web: WebIdentification): number {
  return Math.max(web.expiresAt, web.registration?.expiresAt ?? 0, web.signSession?.expiresAt ?? 0);
}
