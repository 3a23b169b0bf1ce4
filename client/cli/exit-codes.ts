/**
 * Exit codes of `borica-flows`, stable so that scripts can branch on them.
 */

import { DocumentNotFoundError } from '../../activities/document-store';
import { ConfigError } from '../../common/config';
import {
  ClientConfigurationError,
  FlowClosedError,
  FlowFailedError,
  FlowNotFoundError,
  InputError,
  RequestRefusedError,
  TemporalUnavailableError,
} from '../errors';
import type { AnyFlowResult } from '../index';

export const ExitCode = {
  /** Done: started, identified, signed, cancelled on request, listed. */
  ok: 0,
  /** Something unexpected failed; the message says what. */
  unexpected: 1,
  /** Wrong usage, invalid input or configuration; nothing was started. */
  usage: 2,
  /** The business outcome is not a success (rejected, refused, expired, cancelled…) or the workflow had already ended. */
  unsuccessful: 3,
  /** No workflow (or document) with that id. */
  notFound: 4,
  /** The Temporal service could not be reached. */
  temporalUnreachable: 5,
} as const;

export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

/** The help epilogue every command shows. */
export const EXIT_CODES_HELP = `Exit codes:
  0  ok: started, identified, signed, or done as asked
  1  unexpected error
  2  usage error, invalid input or configuration (nothing was started)
  3  business outcome not successful (rejected, denied, refused, expired, cancelled)
     or the workflow had already ended
  4  no workflow or document with that id
  5  the Temporal service could not be reached`;

/** The exit code an error stands for. */
export function exitCodeForError(error: unknown): ExitCode {
  if (
    error instanceof InputError ||
    error instanceof ClientConfigurationError ||
    error instanceof ConfigError
  ) {
    return ExitCode.usage;
  }
  if (error instanceof FlowNotFoundError || error instanceof DocumentNotFoundError) return ExitCode.notFound;
  if (error instanceof TemporalUnavailableError) return ExitCode.temporalUnreachable;
  if (error instanceof FlowClosedError || error instanceof RequestRefusedError) return ExitCode.unsuccessful;
  if (error instanceof FlowFailedError) {
    return error.ending === 'cancelled' || error.ending === 'timed-out'
      ? ExitCode.unsuccessful
      : ExitCode.unexpected;
  }
  return ExitCode.unexpected;
}

/**
 * The exit code a workflow's result stands for: 0 when identified or signed; for an
 * onboarding, when the customer was identified and every signing round was signed.
 */
export function exitCodeForResult(result: AnyFlowResult): ExitCode {
  return isSuccess(result) ? ExitCode.ok : ExitCode.unsuccessful;
}

function isSuccess(result: AnyFlowResult): boolean {
  if ('outcome' in result) return result.outcome === 'identified' || result.outcome === 'signed';
  return (
    result.identification.outcome === 'identified' &&
    result.rounds.every((round) => round.outcome === 'signed')
  );
}
