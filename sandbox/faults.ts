import type { NextFunction, Request, Response } from 'express';

/** Misbehaviour the sandbox can be told to show, to prove that callers cope with it. */
export interface Faults {
  /** Share (0..1) of API requests answered 500. */
  serverErrorRate: number;
  /** The next n API requests answer 500. */
  serverErrorBurst: number;
  /** Every API answer waits this long first. */
  latencyMs: number;
  callbacks: CallbackFaults;
}

export interface CallbackFaults {
  /** Share (0..1) of callbacks never sent. */
  drop: number;
  /** Share (0..1) of callbacks sent twice. */
  duplicate: number;
  /** Every callback waits this long before its first attempt. */
  delayMs: number;
  /** Holds each callback until the next one has gone out, so that they arrive swapped. */
  reorder: boolean;
}

export type FaultsUpdate = Partial<Omit<Faults, 'callbacks'>> & { callbacks?: Partial<CallbackFaults> };

const NO_FAULTS: Faults = {
  serverErrorRate: 0,
  serverErrorBurst: 0,
  latencyMs: 0,
  callbacks: { drop: 0, duplicate: 0, delayMs: 0, reorder: false },
};

export class FaultState {
  private faults: Faults = structuredClone(NO_FAULTS);

  constructor(private readonly random: () => number = Math.random) {}

  get current(): Faults {
    return structuredClone(this.faults);
  }

  update(update: FaultsUpdate): Faults {
    this.faults = {
      ...this.faults,
      ...update,
      callbacks: { ...this.faults.callbacks, ...update.callbacks },
    };
    return this.current;
  }

  reset(): Faults {
    this.faults = structuredClone(NO_FAULTS);
    return this.current;
  }

  /** Whether this API request is to fail; uses up one request of a burst. */
  takeServerError(): boolean {
    if (this.faults.serverErrorBurst > 0) {
      this.faults.serverErrorBurst -= 1;
      return true;
    }
    return this.chance(this.faults.serverErrorRate);
  }

  chance(share: number): boolean {
    return share > 0 && this.random() < share;
  }
}

/** API middleware: the configured latency first, then the configured server errors. */
export function apiFaults(
  state: FaultState,
  answerServerError: (request: Request, response: Response) => void,
) {
  return async (request: Request, response: Response, next: NextFunction): Promise<void> => {
    const { latencyMs } = state.current;
    if (latencyMs > 0) await new Promise((wake) => setTimeout(wake, latencyMs));

    if (state.takeServerError()) {
      answerServerError(request, response);
      return;
    }
    next();
  };
}
