import { ApplicationFailure, condition } from '@temporalio/workflow';

/**
 * A value the workflow will hand out through an update (a redirect or document URL): the
 * handler waits until it exists, and once the workflow can no longer produce a usable one
 * the offer is withdrawn, so waiting updates fail and new ones are rejected.
 */
export class Offer<T> {
  #value: T | undefined;
  #withdrawn: ApplicationFailure | undefined;

  constructor(
    /** Failure `type` of a withdrawn offer, e.g. `CustomerRedirectUnavailable`. */
    private readonly failureType: string,
  ) {}

  /** Whether the value was handed to the workflow (so some caller may have it). */
  get provided(): boolean {
    return this.#value !== undefined;
  }

  provide(value: T): void {
    this.#value = value;
  }

  /** Fails waiting and later requests with `reason`; the first withdrawal is the one reported. */
  withdraw(reason: string, cause?: unknown): void {
    this.#withdrawn ??= ApplicationFailure.create({
      type: this.failureType,
      message: `no longer available: ${reason}`,
      nonRetryable: true,
      ...(cause instanceof Error ? { cause } : {}),
    });
  }

  /**
   * Runs `work`, the process that produces the value, and withdraws the offer when it ends:
   * with its failure if it fails, as over if it returns.
   */
  async whileRunning<R>(process: string, work: () => Promise<R>): Promise<R> {
    try {
      return await work();
    } catch (error) {
      this.withdraw(
        this.provided ? `the ${process} was interrupted` : `the ${process} could not be started`,
        error,
      );
      throw error;
    } finally {
      this.withdraw(`the ${process} is over`);
    }
  }

  /** For an update validator: refuses a request the offer cannot serve any more. */
  validate(): void {
    if (this.#withdrawn) throw this.#withdrawn;
  }

  async take(): Promise<T> {
    await condition(() => this.#value !== undefined || this.#withdrawn !== undefined);
    if (this.#value !== undefined && !this.#withdrawn) return this.#value;
    throw this.#withdrawn;
  }
}
