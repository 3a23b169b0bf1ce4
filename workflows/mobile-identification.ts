import { ActivityFailure, ApplicationFailure, sleep, TimeoutFailure } from '@temporalio/workflow';
import type { MobileIdentificationCheck } from '../activities/types';
import { billable, borica, polls } from './activity-stubs';
import { closingAsCancelled } from './cancellation';
import type { Deadline, MobileIdentificationInput, MobileIdentificationResult } from './definitions';
import { IDENTIFICATION_PENDING } from './failure-types';
import { Progress } from './progress';

const DEFAULT_POLL_INTERVAL_MS = 5_000;

/**
 * Scenario 1: the customer confirms the identification in the B-Trust MOBILE app.
 *
 * BORICA offers no callback here, only polling, every few seconds for as long as the request
 * is valid. Of Temporal's polling patterns this uses activity retries: the activity fails
 * with a retryable `IdentificationPending` while the customer has not answered, and the
 * server retries it at a fixed interval until the validity deadline (its schedule-to-close
 * timeout). Retries leave no trace in history, so the history has the same dozen events
 * whether the request is valid for a minute or a day; a timer loop in the workflow would add
 * events on every poll, and a polling loop inside one activity would hold a worker slot.
 */
export async function mobileIdentificationWorkflow(
  input: MobileIdentificationInput,
): Promise<MobileIdentificationResult> {
  const progress = new Progress('mobile-identification', input.externalRef, 'requesting');

  return closingAsCancelled(progress, async () => {
    progress.enter('requesting', 'Sending the identification request to BORICA.');
    const { callbackId, validity } = await billable.requestMobileIdentification.executeWithOptions(
      { summary: 'Request a B-Trust MOBILE identification' },
      [
        {
          person: input.person,
          phoneNumber: input.phoneNumber,
          email: input.email,
          reason: input.reason,
          ...(input.language ? { language: input.language } : {}),
        },
      ],
    );

    const deadline: Deadline = { name: 'validity', at: validity };
    progress.await('awaiting-customer', deadline, 'the customer to confirm in B-Trust MOBILE');
    const polled = await pollUntil(callbackId, deadline, input.pollIntervalMs ?? DEFAULT_POLL_INTERVAL_MS);
    const check = polled ?? (await lastCheck(callbackId, deadline));

    progress.observe(
      check.state === 'pending' ? check.status : check.state === 'finished' ? 'FINISHED' : check.code,
    );
    const result = toResult(check, validity);
    progress.enter(result.outcome, `Finished: ${result.outcome}.`);
    return result;
  });
}

/** Resolves with BORICA's answer, or `undefined` when the deadline came first. */
async function pollUntil(
  callbackId: string,
  deadline: Deadline,
  intervalMs: number,
): Promise<MobileIdentificationCheck | undefined> {
  const remaining = Date.parse(deadline.at) - Date.now();
  if (remaining <= 0) return undefined;

  try {
    return await polls.awaitMobileIdentification.executeWithOptions(
      {
        summary: `Poll BORICA every ${intervalMs} ms until the validity deadline`,
        scheduleToCloseTimeout: remaining,
        retry: { initialInterval: intervalMs, backoffCoefficient: 1, maximumInterval: intervalMs },
      },
      [callbackId],
    );
  } catch (error) {
    if (isDeadline(error)) return undefined;
    throw error;
  }
}

/** The server ends the retries with a timeout, or with the last failure when no retry fits before the deadline. */
function isDeadline(error: unknown): boolean {
  if (!(error instanceof ActivityFailure)) return false;
  const cause = error.cause;
  return (
    cause instanceof TimeoutFailure ||
    (cause instanceof ApplicationFailure && cause.type === IDENTIFICATION_PENDING)
  );
}

/** The retries stop when the next one would fall after the deadline, so this waits for the deadline itself. */
async function lastCheck(callbackId: string, deadline: Deadline): Promise<MobileIdentificationCheck> {
  const early = Date.parse(deadline.at) - Date.now();
  if (early > 0) await sleep(early, { summary: 'Until the validity deadline' });

  return borica.checkMobileIdentification.executeWithOptions(
    { summary: 'Last status check at the validity deadline' },
    [callbackId],
  );
}

function toResult(check: MobileIdentificationCheck, validity: string): MobileIdentificationResult {
  switch (check.state) {
    case 'finished':
      return {
        outcome: 'identified',
        identifier: check.identifier,
        reason: check.reason,
        organisation: check.organisation,
        certificate: check.certificate,
      };
    case 'rejected':
      return { outcome: 'rejected', code: check.code, message: check.message };
    case 'pending':
      return { outcome: 'expired', validity };
  }
}
