import { log, setHandler } from '@temporalio/workflow';
import { boricaCallbackSignal } from './definitions';

/**
 * Counts BORICA callbacks. A callback is only a reason to ask BORICA for the status: its body
 * is never trusted, and any number of callbacks received while the workflow was busy lead to
 * one status check.
 */
export class CallbackHints {
  #received = 0;
  #seen = 0;

  constructor() {
    setHandler(boricaCallbackSignal, (hint) => {
      this.#received += 1;
      log.info('BORICA callback received', { processState: hint.processState, resultId: hint.resultId });
    });
  }

  /** Whether a callback came since the last {@link take}. */
  get pending(): boolean {
    return this.#received > this.#seen;
  }

  /** Marks every callback so far as acted on. */
  take(): void {
    this.#seen = this.#received;
  }
}
