import {
  ApplicationFailure,
  allHandlersFinished,
  condition,
  continueAsNew,
  isCancellation,
  log,
  setHandler,
  workflowInfo,
} from '@temporalio/workflow';
import { CallbackHints } from './callbacks';
import { closingAsCancelled } from './cancellation';
import {
  type Deadline,
  type DocumentUrl,
  finishSignal,
  type OnboardAndSignInput,
  type OnboardAndSignResult,
  type OtcSigningResult,
  requestSignaturesUpdate,
  type SigningRequest,
  type WebIdentificationResult,
} from './definitions';
import { Offer } from './offer';
import { signDocuments } from './otc-signing';
import { Progress } from './progress';
import { identifyOnWeb, offerCustomerRedirect } from './web-identification';

type Identified = Extract<WebIdentificationResult, { outcome: 'identified' }>;

/** What a run hands to the next when it continues as new. */
export interface OnboardAndSignCheckpoint {
  readonly identification: Identified;
  readonly rounds: readonly OtcSigningResult[];
  readonly signSession: { readonly id: string; readonly expiresAt: string };
}

/**
 * A run continues as new after this many rounds even if the server has not suggested it yet.
 * A round adds a few dozen events; twenty keep a run's history far below any limit.
 */
export const ROUNDS_PER_RUN = 20;

/**
 * Scenario 4: a web identification, then as many signing rounds as the business service asks
 * for through {@link requestSignaturesUpdate}, one at a time, until {@link finishSignal} or
 * the end of the sign session (each round's download extends it).
 */
export async function onboardAndSignWorkflow(
  input: OnboardAndSignInput,
  checkpoint?: OnboardAndSignCheckpoint,
): Promise<OnboardAndSignResult> {
  const progress = new Progress(
    'onboard-and-sign',
    input.externalRef,
    checkpoint ? 'ready-to-sign' : 'requesting',
  );
  const hints = new CallbackHints();
  const redirect = offerCustomerRedirect();
  const desk = new SigningDesk();
  if (checkpoint) redirect.withdraw('the customer is already identified');

  return closingAsCancelled(progress, async () => {
    const identification =
      checkpoint?.identification ?? (await identifyOnWeb(input, { progress, hints, redirect }));
    if (identification.outcome !== 'identified') {
      desk.close('the identification did not succeed');
      progress.enter(identification.outcome, `Finished: identification ${identification.outcome}.`);
      return { identification, rounds: [], ended: 'identification-failed' };
    }

    const chain = new Chain(input, identification, checkpoint, { progress, hints, desk });
    return chain.run();
  });
}

interface Round {
  readonly request: SigningRequest;
  readonly documentUrl: Offer<DocumentUrl>;
}

/** Takes signing requests one at a time and the finish signal; rejects what it cannot serve. */
class SigningDesk {
  #closedBecause: string | undefined = 'the customer is not identified yet';
  #pending: Round | undefined;
  #busy = false;
  finished = false;

  constructor() {
    setHandler(
      requestSignaturesUpdate,
      (request) => {
        const round: Round = { request, documentUrl: new Offer<DocumentUrl>('DocumentUrlUnavailable') };
        this.#pending = round;
        this.#busy = true;
        return round.documentUrl.take();
      },
      { validator: (_request: SigningRequest) => this.#validate() },
    );
    setHandler(finishSignal, () => {
      this.finished = true;
    });
  }

  open(): void {
    this.#closedBecause = undefined;
    this.#busy = false;
  }

  close(reason: string): void {
    this.#closedBecause = reason;
  }

  /** The next round, or why there is none: the finish signal or the deadline came first. */
  async next(deadline: Deadline): Promise<Round | 'finished' | 'expired'> {
    const remaining = Date.parse(deadline.at) - Date.now();
    if (remaining > 0) {
      await condition(() => this.#pending !== undefined || this.finished, remaining, {
        summary: 'Signing request, finish signal or sign-session expiry',
      });
    }

    const round = this.#pending;
    this.#pending = undefined;
    return round ?? (this.finished ? 'finished' : 'expired');
  }

  #validate(): void {
    const refusal =
      this.#closedBecause ?? (this.#busy ? 'a signing round is running; ask again after it' : undefined);
    if (refusal)
      throw ApplicationFailure.nonRetryable(`no signing round now: ${refusal}`, 'SigningRoundRefused');
  }
}

interface ChainContext {
  readonly progress: Progress;
  readonly hints: CallbackHints;
  readonly desk: SigningDesk;
}

/** The signing rounds after a successful identification. */
class Chain {
  readonly #rounds: OtcSigningResult[];
  #signSession: OnboardAndSignCheckpoint['signSession'];
  #roundsThisRun = 0;

  constructor(
    private readonly input: OnboardAndSignInput,
    private readonly identification: Identified,
    checkpoint: OnboardAndSignCheckpoint | undefined,
    private readonly context: ChainContext,
  ) {
    this.#rounds = [...(checkpoint?.rounds ?? [])];
    this.#signSession = checkpoint?.signSession ?? {
      id: identification.signSessionId,
      expiresAt: identification.signSessionExpiresAt,
    };
    context.progress.countRounds(this.#rounds.length);
  }

  async run(): Promise<OnboardAndSignResult> {
    const { progress, desk } = this.context;

    for (;;) {
      const deadline: Deadline = { name: 'sign-session', at: this.#signSession.expiresAt };
      desk.open();
      progress.await('ready-to-sign', deadline, 'a signing request or the finish signal');

      const next = await desk.next(deadline);
      if (next === 'finished' || next === 'expired') return this.#end(next);

      await this.#sign(next);
      if (desk.finished) return this.#end('finished');
      if (this.#roundsThisRun >= ROUNDS_PER_RUN || workflowInfo().continueAsNewSuggested) {
        await this.#continueAsNew();
      }
    }
  }

  async #sign(round: Round): Promise<void> {
    this.context.desk.close('a signing round is running; ask again after it');
    this.#roundsThisRun += 1;
    try {
      const result = await signDocuments(
        {
          ...round.request,
          identifier: this.identification.clientIdentifier,
          signSessionId: this.#signSession.id,
          ...(this.input.statusPollIntervalMs
            ? { statusPollIntervalMs: this.input.statusPollIntervalMs }
            : {}),
        },
        { progress: this.context.progress, hints: this.context.hints, documentUrl: round.documentUrl },
      );
      this.#record(result);
    } catch (error) {
      // Before the document URL went out, the failure belongs to the update that asked for the
      // round (it receives it) and the chain goes on; after, the workflow cannot tell the outcome.
      if (isCancellation(error) || round.documentUrl.provided) throw error;
      log.warn('signing round could not start', { round: this.#rounds.length + 1 });
    }
  }

  #record(result: OtcSigningResult): void {
    this.#rounds.push(result);
    this.context.progress.countRounds(this.#rounds.length);
    if (result.outcome === 'signed') {
      this.#signSession = { id: result.signSessionId, expiresAt: result.signSessionExpiresAt };
    }
  }

  #end(why: 'finished' | 'expired'): OnboardAndSignResult {
    this.context.desk.close('the workflow takes no more signing requests');
    this.context.progress.enter(
      why,
      why === 'finished' ? 'Finished at the business service’s request.' : 'The sign session expired.',
    );
    return {
      identification: this.identification,
      rounds: this.#rounds,
      ended: why === 'finished' ? 'finished' : 'sign-session-expired',
    };
  }

  async #continueAsNew(): Promise<never> {
    this.context.desk.close('the workflow is moving to a fresh run; ask again in a moment');
    await condition(allHandlersFinished);
    return continueAsNew<typeof onboardAndSignWorkflow>(this.input, {
      identification: this.identification,
      rounds: this.#rounds,
      signSession: this.#signSession,
    });
  }
}
