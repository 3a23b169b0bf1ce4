/**
 * The process-wide Temporal runtime: where the SDK's logs go and where its metrics are served.
 * It must be installed before the first connection or worker is created.
 */
import type { LogLevel, LogMetadata, Logger as TemporalLogger } from '@temporalio/common';
import { Runtime, type TelemetryOptions } from '@temporalio/worker';
import type { LoggingConfig, MetricsConfig } from '../common/config';
import type { Logger } from '../common/logger';

export interface RuntimeConfig {
  readonly logging: LoggingConfig;
  readonly metrics: MetricsConfig;
}

/** The signals that start a graceful shutdown of every worker in the process. */
export const SHUTDOWN_SIGNALS: NodeJS.Signals[] = ['SIGTERM', 'SIGINT'];

let installed: Runtime | undefined;

/**
 * Installs the Temporal runtime once per process; later calls return the same runtime.
 *
 * Logs of the SDK, of its native core and of workflow and activity `log` calls all reach
 * `logger` as JSON lines. When `METRICS_PORT` is set, the SDK serves Prometheus metrics
 * (prefixed `temporal_`) at `http://{METRICS_HOST}:{METRICS_PORT}/metrics`.
 */
export function installRuntime(config: RuntimeConfig, logger: Logger): Runtime {
  installed ??= Runtime.install({
    logger: new PinoTemporalLogger(logger),
    shutdownSignals: SHUTDOWN_SIGNALS,
    telemetryOptions: telemetryOptions(config),
  });
  return installed;
}

function telemetryOptions({ logging, metrics }: RuntimeConfig): TelemetryOptions {
  const options: TelemetryOptions = {
    logging: { filter: { core: temporalLevel(logging.level), other: 'ERROR' }, forward: {} },
  };
  if (metrics.port === undefined) return options;

  return { ...options, metrics: { prometheus: { bindAddress: bindAddress(metrics.host, metrics.port) } } };
}

function bindAddress(host: string, port: number): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}

const TEMPORAL_LEVELS: Record<LoggingConfig['level'], LogLevel> = {
  trace: 'TRACE',
  debug: 'DEBUG',
  info: 'INFO',
  warn: 'WARN',
  error: 'ERROR',
  fatal: 'ERROR',
  silent: 'ERROR',
};

function temporalLevel(level: LoggingConfig['level']): LogLevel {
  return TEMPORAL_LEVELS[level];
}

const PINO_METHODS = {
  TRACE: 'trace',
  DEBUG: 'debug',
  INFO: 'info',
  WARN: 'warn',
  ERROR: 'error',
} as const satisfies Record<LogLevel, string>;

/**
 * Adapts pino to the SDK's logger interface. The SDK passes metadata such as `workflowId`,
 * `activityType` and `sdkComponent`; errors arrive under `error` and are renamed `err` so that
 * pino serialises their type, message and stack.
 */
export class PinoTemporalLogger implements TemporalLogger {
  constructor(private readonly pino: Logger) {}

  log(level: LogLevel, message: string, meta?: LogMetadata): void {
    this.pino[PINO_METHODS[level]](attributes(meta), message);
  }

  trace(message: string, meta?: LogMetadata): void {
    this.log('TRACE', message, meta);
  }

  debug(message: string, meta?: LogMetadata): void {
    this.log('DEBUG', message, meta);
  }

  info(message: string, meta?: LogMetadata): void {
    this.log('INFO', message, meta);
  }

  warn(message: string, meta?: LogMetadata): void {
    this.log('WARN', message, meta);
  }

  error(message: string, meta?: LogMetadata): void {
    this.log('ERROR', message, meta);
  }
}

/** Keeps string keys only: the SDK's symbol-keyed timestamp is internal. */
function attributes(meta: LogMetadata | undefined): Record<string, unknown> {
  if (!meta) return {};
  const { error, ...rest } = Object.fromEntries(Object.entries(meta));
  return error === undefined ? rest : { ...rest, err: error };
}
