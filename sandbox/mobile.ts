import { randomUUID } from 'node:crypto';
import type { IdentificationRequest } from '../borica/schemas';
import { relyingPartyName, type SandboxContext } from './context';
import { conflict, notFound, SandboxError } from './errors';
import { isoInstant, type MobileIdentification } from './model';
import { createEidCertificate } from './pdf';
import { identifierFor, mobilePerson } from './people';

/** What GET /identification/{callbackId} has to say. */
export type MobilePoll =
  | { kind: 'running'; status: 'ON_BOARDING' | 'IN_PROGRESS' }
  | { kind: 'finished'; identification: MobileIdentification & { certificate: Buffer; identifier: string } };

/** B-Trust MOBILE identification: ON_BOARDING, IN_PROGRESS, then FINISHED or rejected, until `validity`. */
export class MobileIdentifications {
  constructor(private readonly context: SandboxContext) {}

  start(request: IdentificationRequest, now = Date.now()): { callbackId: string; validity: string } {
    const { timings, autopilot } = this.context.settings;
    const { docType, identificatorValue, dateOfBirth } = request.personIdentityData;
    const identification: MobileIdentification = {
      callbackId: randomUUID(),
      person: mobilePerson(docType, identificatorValue, dateOfBirth),
      reason: request.identificationReason,
      before: relyingPartyName(this.context),
      progressAt: now + timings.mobileProgressMs,
      validUntil: now + timings.mobileValidityMs,
      outcome: 'pending',
    };
    this.context.registry.mobile.set(identification.callbackId, identification);
    this.context.billing.record('identification', request.identificationReason);
    this.scheduleAutopilot(identification.callbackId, autopilot.mobile);

    return { callbackId: identification.callbackId, validity: isoInstant(identification.validUntil) };
  }

  poll(callbackId: string, now = Date.now()): MobilePoll {
    const identification = this.find(callbackId, now);
    if (identification.outcome === 'rejected')
      throw new SandboxError('rejected', 'the customer rejected the identification');

    const { certificate, identifier } = identification;
    if (certificate && identifier)
      return { kind: 'finished', identification: { ...identification, certificate, identifier } };
    return { kind: 'running', status: now < identification.progressAt ? 'ON_BOARDING' : 'IN_PROGRESS' };
  }

  async complete(callbackId: string, name?: string): Promise<void> {
    const identification = this.pending(callbackId);
    const person = name?.trim() ? { ...identification.person, name: name.trim() } : identification.person;
    const identifier = identifierFor(this.context.relyingPartyId, person);
    const facts = {
      identifier,
      reason: identification.reason,
      relyingParty: identification.before,
      issuedAt: new Date(),
    };
    const certificate = await createEidCertificate(person, facts, this.context.signer);

    this.pending(callbackId);
    Object.assign(identification, { person, identifier, certificate, outcome: 'finished' });
  }

  reject(callbackId: string): void {
    this.pending(callbackId).outcome = 'rejected';
  }

  private pending(callbackId: string): MobileIdentification {
    const identification = this.find(callbackId, Date.now());
    if (identification.outcome !== 'pending')
      throw conflict(`the identification is already ${identification.outcome}`);
    return identification;
  }

  private find(callbackId: string, now: number): MobileIdentification {
    const identification = this.context.registry.mobile.get(callbackId);
    if (!identification) throw notFound('no identification has this callbackId');
    if (now >= identification.validUntil) throw notFound('the identification is past its validity');
    return identification;
  }

  private scheduleAutopilot(
    callbackId: string,
    plan: SandboxContext['settings']['autopilot']['mobile'],
  ): void {
    if (plan.outcome === 'none') return;
    const outcome = plan.outcome;
    this.context.scheduler.after(plan.afterMs, 'mobile autopilot', async () => {
      // The customer cannot act on an identification that has already ended.
      const identification = this.context.registry.mobile.get(callbackId);
      if (identification?.outcome !== 'pending' || Date.now() >= identification.validUntil) return;

      if (outcome === 'complete') await this.complete(callbackId);
      else this.reject(callbackId);
    });
  }
}
