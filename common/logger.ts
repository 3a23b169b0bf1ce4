import pino from 'pino';

/** The project's one structured logger: JSON lines, a fixed message and an attributes object. */
export type Logger = pino.Logger;

/**
 * Attribute names that could carry personal data, secrets or documents. They are removed from
 * every line even if a caller passes them by mistake.
 */
const REDACTED_KEYS = [
  'identificatorValue',
  'dateOfBirth',
  'phoneNumber',
  'email',
  'person',
  'content',
  'contentAsBase64',
  'eIDDocAsBase64',
  'token',
  'authorization',
  'apiKey',
  'body',
];

/**
 * Creates a logger for one process or component. `LOG_LEVEL` sets the level (default `info`).
 *
 * @example
 * ```ts
 * const log = createLogger('webhook-receiver');
 * log.info({ workflowId, processState }, 'callback delivered');
 * ```
 */
export function createLogger(component: string, destination?: pino.DestinationStream): Logger {
  const options: pino.LoggerOptions = {
    level: process.env.LOG_LEVEL ?? 'info',
    base: { component },
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: { level: (label) => ({ level: label }) },
    redact: {
      paths: REDACTED_KEYS.flatMap((key) => [key, `*.${key}`]),
      remove: true,
    },
  };
  // Written synchronously: pino's default stream writes from libuv's thread pool and flushes
  // what is left when the process exits, so the last lines before an exit (a signal, a fatal
  // error) came out in the wrong order, or not at all, whenever the pool was busy.
  return pino(options, destination ?? pino.destination({ dest: 1, sync: true }));
}
