import type { z } from 'zod';

/**
 * Base of every failure raised by the BORICA client. `retryable` says whether sending the
 * same request again can succeed; activities turn it into a retryable or non-retryable
 * Temporal failure whose `type` is the error's `name`.
 *
 * Messages never carry request or response bodies: they may hold personal data.
 */
export abstract class BoricaError extends Error {
  abstract readonly retryable: boolean;

  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = new.target.name;
  }
}

/**
 * BORICA answered with a 4xx or 5xx status. `code` and `borica message` are BORICA's own
 * (`BAD_REQUEST`, `UNAUTHORIZED`, `REJECTED`, …); a 5xx, 408 or 429 may succeed on retry.
 */
export class BoricaHttpError extends BoricaError {
  readonly retryable: boolean;

  constructor(
    readonly operation: string,
    readonly status: number,
    readonly code: string | undefined,
    readonly boricaMessage: string | undefined,
  ) {
    super(`${operation}: BORICA answered ${status}${code ? ` ${code}` : ''}${hintFor(status)}`);
    this.retryable = status >= 500 || status === 408 || status === 429;
  }
}

/** A response that does not match the contract; retrying will not change it. */
export class BoricaContractError extends BoricaError {
  readonly retryable = false;

  constructor(
    readonly operation: string,
    /** Dotted path of the first offending field, `(body)` for the body itself. */
    readonly path: string,
    detail: string,
    options?: ErrorOptions,
  ) {
    super(`${operation}: response breaks the contract at ${path}: ${detail}`, options);
  }

  static fromZod(operation: string, error: z.ZodError): BoricaContractError {
    const issue = error.issues[0];
    return new BoricaContractError(operation, issuePath(issue?.path), issue?.message ?? 'invalid', {
      cause: error,
    });
  }
}

/**
 * A request we refused to send because it breaks the contract. Nothing reached BORICA.
 * The message names the field and the rule, never the value.
 */
export class BoricaRequestError extends BoricaError {
  readonly retryable = false;

  constructor(
    readonly operation: string,
    readonly path: string,
    detail: string,
    options?: ErrorOptions,
  ) {
    super(`${operation}: invalid request field ${path}: ${detail}`, options);
  }

  static fromZod(operation: string, error: z.ZodError): BoricaRequestError {
    const issue = error.issues[0];
    return new BoricaRequestError(operation, issuePath(issue?.path), issue?.message ?? 'invalid', {
      cause: error,
    });
  }
}

/** Options of a {@link BoricaNetworkError}. */
export interface BoricaNetworkErrorOptions extends ErrorOptions {
  /** Whether the request may have reached BORICA; defaults to `true`, the safe assumption. */
  requestSent?: boolean;
}

/**
 * BORICA could not be reached, or did not answer in time. Always worth a retry, but a billable
 * POST is certainly not duplicated by a retry only when `requestSent` is `false`.
 */
export class BoricaNetworkError extends BoricaError {
  readonly retryable = true;
  /**
   * `false` when the failure came before a byte of the request could reach BORICA (DNS,
   * connection refused, connect timeout, TLS handshake); `true` when BORICA may have received
   * and acted on it (a timeout or a reset after sending).
   */
  readonly requestSent: boolean;

  constructor(
    readonly operation: string,
    readonly host: string,
    options?: BoricaNetworkErrorOptions,
  ) {
    const sent = options?.requestSent ?? true;
    const outcome = sent ? 'the request may have reached BORICA' : 'the request never reached BORICA';
    super(`${operation}: no answer from ${host}: ${describeCause(options?.cause)}; ${outcome}`, options);
    this.requestSent = sent;
  }
}

function issuePath(path: readonly PropertyKey[] | undefined): string {
  return path && path.length > 0 ? path.map(String).join('.') : '(body)';
}

function describeCause(cause: unknown): string {
  if (cause instanceof Error) {
    const code = (cause as { code?: unknown }).code;
    return typeof code === 'string' ? `${code} (${cause.message})` : cause.message;
  }
  return String(cause);
}

function hintFor(status: number): string {
  if (status === 401 || status === 403)
    return ': check BORICA_RELYING_PARTY_ID and that the client certificate is the one registered with BORICA';
  if (status === 404) return ': the id is unknown to BORICA or has expired';
  if (status >= 500) return ': BORICA failed; the request may be retried';
  return '';
}
