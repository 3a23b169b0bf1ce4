/**
 * The worker process: `tsx worker/main.ts`.
 *
 * Exit status: 0 after a graceful shutdown (SIGTERM or SIGINT: polling stops, in-flight tasks
 * drain, the BORICA client and the connection close); 1 when the configuration is wrong, the
 * worker cannot start, or it fails while running. A second signal during shutdown ends the
 * process at once.
 */
import { GracefulShutdownPeriodExpiredError } from '@temporalio/worker';
import { TlsMaterialError } from '../borica/tls';
import { loadConfigOrExit } from '../common/config';
import { createLogger, type Logger } from '../common/logger';
import { type WorkerConfig, workerConfigSections } from './config';
import { installRuntime } from './runtime';
import { createBoricaWorker } from './worker';

async function main(config: WorkerConfig, logger: Logger): Promise<number> {
  installRuntime(config, logger);

  const boricaWorker = await createBoricaWorker(config).catch(exitOnTlsMaterialError);
  const { address, namespace, taskQueue } = config.temporal;
  logger.info({ address, namespace, taskQueue, metricsPort: config.metrics.port }, 'worker started');

  await boricaWorker.run();
  logger.info({ taskQueue }, 'worker stopped');
  return 0;
}

/** A bad certificate path is a configuration mistake: one line, like any other. */
function exitOnTlsMaterialError(error: unknown): never {
  if (!(error instanceof TlsMaterialError)) throw error;
  console.error(`Configuration error: ${error.message}`);
  process.exit(1);
}

function reportFailure(logger: Logger, error: unknown): number {
  const message =
    error instanceof GracefulShutdownPeriodExpiredError
      ? 'worker did not drain in time; in-flight activities will be retried elsewhere'
      : 'worker failed';
  logger.error({ err: error }, message);
  return 1;
}

// Configuration first: the logger reads LOG_LEVEL, which is validated here.
const config = loadConfigOrExit(workerConfigSections);
const logger = createLogger('worker');
main(config, logger).then(
  (code) => process.exit(code),
  (error: unknown) => process.exit(reportFailure(logger, error)),
);
