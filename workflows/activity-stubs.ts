import { proxyActivities } from '@temporalio/workflow';
import type { Activities } from '../activities';
import { HEARTBEAT_TIMEOUT_MS } from './heartbeats';

/**
 * Billable POSTs. The activity itself refuses to send again once two attempts may have reached
 * BORICA, counting attempts lost with their worker; this cap only bounds retries of requests
 * that certainly did not. A sign-session start uploads the documents, hence the timeout.
 */
export const billable = proxyActivities<Activities>({
  startToCloseTimeout: '5 minutes',
  heartbeatTimeout: HEARTBEAT_TIMEOUT_MS,
  retry: { initialInterval: '2 seconds', backoffCoefficient: 2, maximumAttempts: 5 },
});

/**
 * Reads, status checks and downloads: safe to repeat, so retried until BORICA answers (an
 * outage delays a process, it does not fail it). Non-retryable failures (a broken contract, a
 * 4xx, a document that fails its integrity check) still end the workflow at once.
 */
export const borica = proxyActivities<Activities>({
  startToCloseTimeout: '5 minutes',
  heartbeatTimeout: HEARTBEAT_TIMEOUT_MS,
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '1 minute' },
});

/**
 * A poll whose retries are the polling: every attempt is one quick GET. It has no heartbeat
 * timeout, which would cost the server a timer for every poll (a tenth of its CPU per mobile
 * identification in the throughput benchmark); an attempt lost with its worker is retried
 * after the one-minute start-to-close instead.
 */
export const polls = proxyActivities<Activities>({ startToCloseTimeout: '1 minute' });
