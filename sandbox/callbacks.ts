import type { Logger } from '../common/logger';
import type { FaultState } from './faults';
import type { Scheduler } from './scheduler';

/** A callback as the guide shows it; `resultId` is a string for identification, a number for signing. */
export interface CallbackPayload {
  code: 'OK' | 'REJECTED';
  message: string;
  requestId: number;
  relyingPartyId: number;
  data: { processState: string; sessionId: string; resultId: string | number; dataMessage: string };
}

export interface CallbackLogEntry {
  processState: string;
  resultId: string;
  /** `pending` while attempts remain. */
  status: 'pending' | 'delivered' | 'failed' | 'dropped';
  httpStatus?: number;
  attempts: number;
}

interface Delivery {
  url: string;
  payload: CallbackPayload;
  entry: CallbackLogEntry;
}

const MAX_ATTEMPTS = 6;
const ATTEMPT_TIMEOUT_MS = 10_000;
/** A callback held back for reordering goes out alone if no other follows within this time. */
const REORDER_HOLD_MS = 2_000;

/**
 * Posts callbacks to relying parties as BORICA does: with retries and a bounded backoff
 * (4xx answers are final), and with the faults the control API asks for.
 */
export class CallbackDispatcher {
  private log: CallbackLogEntry[] = [];
  private held: { delivery: Delivery; cancelRelease: () => void } | undefined;

  constructor(
    private readonly deps: {
      faults: FaultState;
      scheduler: Scheduler;
      retryDelayMs: () => number;
      logger: Logger;
    },
  ) {}

  send(url: string, payload: CallbackPayload): void {
    const faults = this.deps.faults.current.callbacks;
    if (this.deps.faults.chance(faults.drop)) {
      this.record(payload, 'dropped');
      return;
    }

    const copies = this.deps.faults.chance(faults.duplicate) ? 2 : 1;
    for (let copy = 0; copy < copies; copy += 1) {
      const delivery = { url, payload, entry: this.record(payload, 'pending') };
      this.route(delivery, faults.reorder, faults.delayMs);
    }
  }

  entries(): CallbackLogEntry[] {
    return this.log.map((entry) => ({ ...entry }));
  }

  clear(): void {
    this.log = [];
  }

  private route(delivery: Delivery, reorder: boolean, delayMs: number): void {
    if (!reorder) {
      this.deps.scheduler.after(delayMs, 'callback', () => this.attempt(delivery));
      return;
    }

    const held = this.held;
    if (held === undefined) {
      const cancelRelease = this.deps.scheduler.after(REORDER_HOLD_MS, 'callback', () =>
        this.releaseHeld(delayMs),
      );
      this.held = { delivery, cancelRelease };
      return;
    }

    this.held = undefined;
    held.cancelRelease();
    this.deps.scheduler.after(delayMs, 'callback', async () => {
      await this.attempt(delivery);
      await this.attempt(held.delivery);
    });
  }

  private releaseHeld(delayMs: number): void {
    const held = this.held;
    this.held = undefined;
    if (held) this.deps.scheduler.after(delayMs, 'callback', () => this.attempt(held.delivery));
  }

  private async attempt(delivery: Delivery): Promise<void> {
    const { entry } = delivery;
    entry.attempts += 1;
    const httpStatus = await this.post(delivery);
    if (httpStatus !== undefined) entry.httpStatus = httpStatus;

    if (httpStatus !== undefined && httpStatus >= 200 && httpStatus < 300) {
      entry.status = 'delivered';
    } else if (
      (httpStatus !== undefined && httpStatus >= 400 && httpStatus < 500) ||
      entry.attempts >= MAX_ATTEMPTS
    ) {
      entry.status = 'failed';
      this.deps.logger.warn(
        { processState: entry.processState, resultId: entry.resultId, httpStatus, attempts: entry.attempts },
        'callback not delivered',
      );
    } else {
      const delay = this.deps.retryDelayMs() * 2 ** (entry.attempts - 1);
      this.deps.scheduler.after(delay, 'callback', () => this.attempt(delivery));
    }
  }

  /** The HTTP status, or undefined when no answer came. */
  private async post({ url, payload }: Delivery): Promise<number | undefined> {
    try {
      const response = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(payload),
        redirect: 'manual',
        signal: AbortSignal.timeout(ATTEMPT_TIMEOUT_MS),
      });
      await response.body?.cancel();
      return response.status;
    } catch (error) {
      this.deps.logger.debug(
        { resultId: payload.data.resultId, err: describe(error) },
        'callback attempt got no answer',
      );
      return undefined;
    }
  }

  private record(payload: CallbackPayload, status: CallbackLogEntry['status']): CallbackLogEntry {
    const entry = {
      processState: payload.data.processState,
      resultId: String(payload.data.resultId),
      status,
      attempts: 0,
    };
    this.log.push(entry);
    return entry;
  }
}

/** The error's code and class only: a fetch error's message may quote the URL, whose last segment is a secret. */
function describe(error: unknown): string {
  const cause = (error as { cause?: { code?: unknown } }).cause;
  return typeof cause?.code === 'string' ? cause.code : error instanceof Error ? error.name : 'unknown';
}
