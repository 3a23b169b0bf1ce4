import { setHandler } from '@temporalio/workflow';
import type { SignSessionStarted } from '../activities/types';
import { billable, borica } from './activity-stubs';
import { CallbackHints } from './callbacks';
import { closingAsCancelled } from './cancellation';
import {
  type Deadline,
  type DocumentUrl,
  documentUrlUpdate,
  type OtcSigningInput,
  type OtcSigningResult,
  type SigningRequest,
} from './definitions';
import { Offer } from './offer';
import { Progress } from './progress';
import { signingVerdict } from './verdicts';
import { waitForVerdict } from './wait';

const DEFAULT_STATUS_POLL_INTERVAL_MS = 2 * 60 * 1000;

/**
 * Scenario 3: the customer signs documents with a one-time certificate, within the sign
 * session of an earlier web identification. The business service gets the page to send them
 * to through {@link documentUrlUpdate}.
 */
export async function otcSigningWorkflow(input: OtcSigningInput): Promise<OtcSigningResult> {
  const progress = new Progress('otc-signing', input.externalRef, 'requesting');
  const hints = new CallbackHints();
  const documentUrl = new Offer<DocumentUrl>('DocumentUrlUnavailable');
  setHandler(documentUrlUpdate, () => documentUrl.take(), { validator: () => documentUrl.validate() });

  return closingAsCancelled(progress, async () => {
    const result = await signDocuments(input, { progress, hints, documentUrl });
    progress.enter(result.outcome, `Finished: ${result.outcome}.`);
    return result;
  });
}

export interface SigningContext {
  readonly progress: Progress;
  readonly hints: CallbackHints;
  /** Receives the document URL once it may be handed out; withdrawn when the round is over. */
  readonly documentUrl: Offer<DocumentUrl>;
}

export interface SigningSession {
  /** `clientIdentifier` of the web identification. */
  readonly identifier: string;
  readonly signSessionId: string;
  readonly statusPollIntervalMs?: number;
}

/** One signing round, shared by this workflow and the onboard-and-sign chain. */
export async function signDocuments(
  request: SigningRequest & SigningSession,
  { progress, hints, documentUrl }: SigningContext,
): Promise<OtcSigningResult> {
  return documentUrl.whileRunning('signing', async () => {
    hints.take();
    const started = await start(request, progress);
    // Indexed before the URL goes out: the customer's SIGN_SESSION callback is routed by it.
    progress.awaitResult(started.resultId);
    documentUrl.provide({ clientDocumentUrl: started.clientDocumentUrl, expiresAt: started.expiresAt });

    const deadline: Deadline = { name: 'document-url', at: started.expiresAt };
    progress.await('signing', deadline, 'the customer to sign the documents');
    const verdict = await waitForVerdict({
      deadline,
      hints,
      pollIntervalMs: request.statusPollIntervalMs ?? DEFAULT_STATUS_POLL_INTERVAL_MS,
      check: () => check(started, progress),
    });
    documentUrl.withdraw('the signing is over');
    if (verdict === 'signed') return await download(started, request.signSessionId, progress);
    return verdict === 'refused' ? { outcome: 'refused' } : { outcome: 'expired', deadline };
  });
}

function start(request: SigningRequest & SigningSession, progress: Progress): Promise<SignSessionStarted> {
  progress.enter('requesting', 'Sending the documents to BORICA.');
  const {
    identifier,
    signSessionId,
    documents,
    successUrl,
    cancelUrl,
    language,
    sendSignedDocumentsByEmail,
  } = request;
  return billable.startSignSession.executeWithOptions({ summary: 'Start the sign session' }, [
    {
      identifier,
      signSessionId,
      documents,
      successUrl,
      cancelUrl,
      ...(language ? { language } : {}),
      ...(sendSignedDocumentsByEmail === undefined ? {} : { sendSignedDocumentsByEmail }),
    },
  ]);
}

async function check(
  started: SignSessionStarted,
  progress: Progress,
): Promise<'signed' | 'refused' | undefined> {
  const snapshot = await borica.checkSignSession.executeWithOptions({ summary: 'Check the signing status' }, [
    started.resultId,
  ]);
  progress.observe(snapshot.status);
  const verdict = signingVerdict(snapshot);
  return verdict === 'pending' ? undefined : verdict;
}

async function download(
  started: SignSessionStarted,
  signSessionId: string,
  progress: Progress,
): Promise<OtcSigningResult> {
  progress.enter('downloading-result', 'Downloading the signed documents.');
  const signed = await borica.downloadSignedDocuments.executeWithOptions(
    { summary: 'Download the signed documents' },
    [{ resultId: started.resultId, signSessionId }],
  );
  return { outcome: 'signed', ...signed };
}
