/**
 * What the workflows' activity options and the activities agree on about heartbeats. Plain
 * constants, so both sides can import them.
 */

/** How often a running BORICA activity heartbeats. */
export const HEARTBEAT_INTERVAL_MS = 5_000;

/**
 * How long the server waits for a heartbeat before it gives the attempt up and retries it: an
 * attempt lost with its worker is retried after this, not after its five-minute start-to-close
 * timeout. The SDK forwards at most one heartbeat per 80% of it, hence a few intervals long.
 */
export const HEARTBEAT_TIMEOUT_MS = 30_000;
