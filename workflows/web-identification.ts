import { setHandler } from '@temporalio/workflow';
import type {
  RegistrationCreated,
  WebIdentificationSnapshot,
  WebIdentificationStarted,
} from '../activities/types';
import { billable, borica } from './activity-stubs';
import { CallbackHints } from './callbacks';
import { closingAsCancelled } from './cancellation';
import {
  type CustomerRedirect,
  customerRedirectUpdate,
  type Deadline,
  type WebIdentificationInput,
  type WebIdentificationResult,
} from './definitions';
import { Offer } from './offer';
import { Progress } from './progress';
import { type WebIdentificationVerdict, webIdentificationVerdict } from './verdicts';
import { waitForVerdict } from './wait';

const DEFAULT_STATUS_POLL_INTERVAL_MS = 2 * 60 * 1000;

/**
 * Scenario 2: the customer goes through BORICA's video identification; the business service
 * gets the page to send them to through {@link customerRedirectUpdate}.
 */
export async function webIdentificationWorkflow(
  input: WebIdentificationInput,
): Promise<WebIdentificationResult> {
  const progress = new Progress('web-identification', input.externalRef, 'requesting');
  const hints = new CallbackHints();
  const redirect = offerCustomerRedirect();

  return closingAsCancelled(progress, async () => {
    const result = await identifyOnWeb(input, { progress, hints, redirect });
    progress.enter(result.outcome, `Finished: ${result.outcome}.`);
    return result;
  });
}

/** Registers {@link customerRedirectUpdate}; the caller provides the URL once it exists. */
export function offerCustomerRedirect(): Offer<CustomerRedirect> {
  const redirect = new Offer<CustomerRedirect>('CustomerRedirectUnavailable');
  setHandler(customerRedirectUpdate, () => redirect.take(), { validator: () => redirect.validate() });
  return redirect;
}

export interface IdentificationContext {
  readonly progress: Progress;
  readonly hints: CallbackHints;
  readonly redirect: Offer<CustomerRedirect>;
}

/** The web identification itself, shared by this workflow and the onboard-and-sign chain. */
export async function identifyOnWeb(
  input: WebIdentificationInput,
  { progress, hints, redirect }: IdentificationContext,
): Promise<WebIdentificationResult> {
  return redirect.whileRunning('identification', async () => {
    const session = await startSession(input, progress);
    const registration = await register(input, session, progress);

    const deadline = earliest(
      { name: 'web-session', at: session.webSessionExpiresAt },
      { name: 'registration', at: registration.expiresAt },
    );
    redirect.provide({ redirectUrl: registration.redirectUrl, expiresAt: deadline.at });
    progress.await('awaiting-customer', deadline, 'the customer to finish the video identification');

    const decided = await waitForVerdict({
      deadline,
      hints,
      pollIntervalMs: input.statusPollIntervalMs ?? DEFAULT_STATUS_POLL_INTERVAL_MS,
      check: () => check(session, registration, progress),
    });
    redirect.withdraw('the identification is over');
    return await conclude(decided, session, registration, deadline, progress);
  });
}

async function startSession(
  input: WebIdentificationInput,
  progress: Progress,
): Promise<WebIdentificationStarted> {
  progress.enter('requesting', 'Starting a web identification session at BORICA.');
  const session = await billable.startWebIdentification.executeWithOptions(
    { summary: 'Start the web identification session' },
    [{ reason: input.reason, ...(input.language ? { language: input.language } : {}) }],
  );
  progress.awaitResult(session.resultId);
  return session;
}

function register(
  input: WebIdentificationInput,
  session: WebIdentificationStarted,
  progress: Progress,
): Promise<RegistrationCreated> {
  progress.enter('creating-registration', 'Creating the registration for the video identification.');
  const { externalRef, successUrl, cancelUrl, language, verifyEmailAddress, verifyPhoneNumber } = input;
  return borica.createRegistration.executeWithOptions({ summary: 'Create the registration' }, [
    {
      webSessionId: session.webSessionId,
      externalRef,
      successUrl,
      cancelUrl,
      ...defined({ language, verifyEmailAddress, verifyPhoneNumber }),
      ...defined({ showGtcGdp: input.showGtcGdp, showMainInfo: input.showMainInfo }),
    },
  ]);
}

interface Decided {
  readonly verdict: Exclude<WebIdentificationVerdict, 'pending'>;
  readonly snapshot: WebIdentificationSnapshot;
}

/** BORICA's verdict, or `undefined` while the customer is still at it. */
async function check(
  session: WebIdentificationStarted,
  registration: RegistrationCreated,
  progress: Progress,
): Promise<Decided | undefined> {
  const snapshot = await borica.checkWebIdentification.executeWithOptions(
    { summary: 'Check the identification status' },
    [{ resultId: session.resultId, registrationId: registration.registrationId }],
  );
  progress.observe(snapshot.status);
  const verdict = webIdentificationVerdict(snapshot);
  return verdict === 'pending' ? undefined : { verdict, snapshot };
}

async function conclude(
  decided: Decided | undefined,
  session: WebIdentificationStarted,
  registration: RegistrationCreated,
  deadline: Deadline,
  progress: Progress,
): Promise<WebIdentificationResult> {
  switch (decided?.verdict) {
    case 'identified':
      return download(session, progress);
    case 'cancelled-by-customer':
      return { outcome: 'cancelled-by-customer' };
    case 'denied':
      return { outcome: 'denied' };
    case 'rejected':
      return {
        outcome: 'rejected',
        registrationStatus: decided.snapshot.registrationStatus,
        step: decided.snapshot.step,
      };
    case 'expired':
      // BORICA expired the registration before our own deadline.
      return { outcome: 'expired', deadline: { name: 'registration', at: registration.expiresAt } };
    case undefined:
      return { outcome: 'expired', deadline };
  }
}

async function download(
  session: WebIdentificationStarted,
  progress: Progress,
): Promise<WebIdentificationResult> {
  progress.enter('downloading-result', 'Downloading the eID certificate and the sign session.');
  const result = await borica.downloadIdentification.executeWithOptions(
    { summary: 'Download the identification result' },
    [{ resultId: session.resultId, webSessionId: session.webSessionId }],
  );
  return { outcome: 'identified', ...result };
}

function earliest(first: Deadline, second: Deadline): Deadline {
  return Date.parse(second.at) < Date.parse(first.at) ? second : first;
}

/** Drops undefined properties, which `exactOptionalPropertyTypes` will not let through. */
function defined<T extends Record<string, unknown>>(
  values: T,
): { [K in keyof T]?: Exclude<T[K], undefined> } {
  return Object.fromEntries(Object.entries(values).filter(([, value]) => value !== undefined)) as {
    [K in keyof T]?: Exclude<T[K], undefined>;
  };
}
