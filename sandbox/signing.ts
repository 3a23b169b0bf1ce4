import { randomBytes } from 'node:crypto';
import type {
  StartSignSessionRequest,
  WebIdentificationStatus,
  WebIdentificationStep,
} from '../borica/schemas';
import type { CallbackPayload } from './callbacks';
import type { SandboxContext } from './context';
import { badRequest, conflict, notFound } from './errors';
import { isoInstant, type SigningRound } from './model';
import { problemWithDocument, signDocument } from './pdf';

export const SIGN_ACTIONS = ['sign', 'refuse', 'expire'] as const;
export type SignAction = (typeof SIGN_ACTIONS)[number];

const STATUS: Record<
  SigningRound['state'],
  { status: WebIdentificationStatus; step: WebIdentificationStep }
> = {
  waiting: { status: 'SIGNING_CLIENT_DOCUMENT', step: 'OTP' },
  signed: { status: 'SIGNED_CLIENT_DOCUMENT', step: 'SIGNING_WITH_SIGN_SESSION_SUCCESS' },
  refused: { status: 'PROCESS_IS_CANCELED_BY_USER', step: 'LOGIN' },
};

/**
 * OTC signing after a web identification: any number of rounds within one sign session, each
 * with its document page, its outcome callback and its signed documents.
 */
export class SigningRounds {
  constructor(private readonly context: SandboxContext) {}

  async start(request: StartSignSessionRequest, now = Date.now()) {
    const session = this.context.registry.signSessions.get(request.signSessionId);
    if (!session || session.identifier !== request.identifier)
      throw notFound('no sign session has this identifier and signSessionId');
    if (now >= session.expiresAt) throw notFound('the sign session has expired');
    await assertSignable(request);

    const round: SigningRound = {
      resultId: this.context.registry.nextResultId(),
      requestId: this.context.registry.nextRequestId(),
      documentToken: randomBytes(32).toString('hex'),
      session,
      documents: request.documentsForSign,
      expiresAt: Math.min(now + this.context.settings.timings.documentUrlTtlMs, session.expiresAt),
      state: 'waiting',
      successUrl: request.successUrl,
      cancelUrl: request.cancelUrl,
    };
    this.context.registry.addRound(round);
    this.context.billing.record('startSignSession', request.signSessionId);
    this.scheduleAutopilot(round.documentToken);

    return {
      clientDocumentUrl: `${this.context.identificationUrl}/documents/${round.documentToken}`,
      expireDate: isoInstant(round.expiresAt),
      resultId: round.resultId,
    };
  }

  status(round: SigningRound) {
    return STATUS[round.state];
  }

  /** The result download with processState SIGN_SESSION. */
  result(resultId: number, signSessionId: string) {
    const round = this.context.registry.roundsByResultId.get(resultId);
    if (!round || round.session.signSessionId !== signSessionId)
      throw notFound('no signing has this resultId and sessionId');
    if (round.state !== 'signed' || !round.signed) throw notFound('the documents have not been signed');

    return {
      signDocuments: round.signed.map(({ filename, content }) => ({
        filename,
        contentAsBase64: content.toString('base64'),
      })),
      clientIdentifier: round.session.identifier,
      signSessionId: round.session.signSessionId,
      signSessionIdExpireDate: isoInstant(round.session.expiresAt),
    };
  }

  byResultId(resultId: number): SigningRound | undefined {
    return this.context.registry.roundsByResultId.get(resultId);
  }

  byToken(documentToken: string): SigningRound {
    const round = this.context.registry.roundsByToken.get(documentToken);
    if (!round) throw notFound('no signing has this document token');
    return round;
  }

  async act(documentToken: string, action: SignAction): Promise<SigningRound> {
    const round = this.byToken(documentToken);
    if (action === 'expire') {
      round.expiresAt = Math.min(round.expiresAt, Date.now());
      return round;
    }

    this.assertWaiting(round);
    if (action === 'sign') round.signed = await this.signAll(round);
    this.assertWaiting(round);
    round.state = action === 'sign' ? 'signed' : 'refused';
    this.context.callbacks.send(round.session.identification.callbackUrl, this.callbackFor(round));
    return round;
  }

  isOpen(round: SigningRound, now = Date.now()): boolean {
    return round.state === 'waiting' && now < round.expiresAt && now < round.session.expiresAt;
  }

  private async signAll(round: SigningRound) {
    const signingTime = new Date();
    const signed = [];
    for (const document of round.documents) {
      const request = {
        signerName: round.session.person.name,
        reason: document.legalFileName,
        signingTime,
        ...(document.padesVisualSignature && document.signaturePosition
          ? { visible: document.signaturePosition }
          : {}),
      };
      const content = await signDocument(
        Buffer.from(document.contentAsBase64, 'base64'),
        request,
        this.context.signer,
      );
      signed.push({ filename: document.fileName, content });
    }
    return signed;
  }

  private callbackFor(round: SigningRound): CallbackPayload {
    const signed = round.state === 'signed';
    return {
      code: 'OK',
      message: 'The request has been executed successfully.',
      requestId: round.requestId,
      relyingPartyId: Number(this.context.relyingPartyId),
      data: {
        processState: signed ? 'SIGN_SESSION' : 'PROCESS_IS_CANCELED_BY_USER',
        sessionId: round.session.signSessionId,
        resultId: round.resultId,
        dataMessage: `The request with resultID ${round.resultId} ${signed ? 'completed successfully' : 'was canceled by the user'}`,
      },
    };
  }

  private assertWaiting(round: SigningRound): void {
    if (round.state !== 'waiting') throw conflict(`the documents are already ${round.state}`);
    if (!this.isOpen(round)) throw conflict('the document URL has expired');
  }

  private scheduleAutopilot(documentToken: string): void {
    const plan = this.context.settings.autopilot.sign;
    if (plan.outcome === 'none') return;
    const outcome = plan.outcome;

    this.context.scheduler.after(plan.afterMs, 'sign autopilot', async () => {
      const round = this.context.registry.roundsByToken.get(documentToken);
      // The customer cannot act on a signing that has already ended.
      if (round && this.isOpen(round)) await this.act(documentToken, outcome);
    });
  }
}

async function assertSignable(request: StartSignSessionRequest): Promise<void> {
  for (const [index, document] of request.documentsForSign.entries()) {
    const position = document.padesVisualSignature ? document.signaturePosition : undefined;
    const problem = await problemWithDocument(Buffer.from(document.contentAsBase64, 'base64'), position);
    if (problem) throw badRequest(`documentsForSign.${index}.contentAsBase64 ${problem}`);
  }
}
