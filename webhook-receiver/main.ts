/**
 * The webhook receiver process: `tsx webhook-receiver/main.ts`.
 *
 * It starts even when Temporal is down (the connection is made on first use), answering
 * callbacks with 503 and `/healthz` with 503 until Temporal answers. On SIGTERM or SIGINT it
 * stops accepting connections, lets requests in flight finish, closes the Temporal connection
 * and exits 0; a configuration error exits 1 with one line on stderr.
 */
import { once } from 'node:events';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Client, Connection } from '@temporalio/client';
import { encryptedDataConverter } from '../codec/payload-codec';
import { loadConfigOrExit } from '../common/config';
import { createLogger, type Logger } from '../common/logger';
import { temporalConnectionOptions } from '../common/temporal-connection';
import { createReceiverApp } from './app';
import { type ReceiverProcessConfig, receiverConfigSections } from './config';
import { createTemporalSink } from './sink';

// Slow clients must not hold connections open; a callback is a few hundred bytes.
const REQUEST_TIMEOUT_MS = 10_000;
// Requests still running after this are cut off so the process can exit.
const DRAIN_TIMEOUT_MS = 10_000;

async function main(config: ReceiverProcessConfig, logger: Logger): Promise<void> {
  const connection = Connection.lazy(temporalConnectionOptions(config.temporal));
  const client = new Client({
    connection,
    namespace: config.temporal.namespace,
    dataConverter: encryptedDataConverter(config.encryption.keys),
  });
  const app = createReceiverApp({
    sink: createTemporalSink(client, { logger }),
    secret: config.callbacks.secret,
    relyingPartyId: config.borica.relyingPartyId,
    logger,
    trustProxy: config.receiver.trustProxy,
    rateLimit: { windowMs: 60_000, limit: config.receiver.rateLimitPerMinute },
  });

  const server = app.listen(config.receiver.port);
  server.requestTimeout = REQUEST_TIMEOUT_MS;
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  logger.info({ port, temporalAddress: config.temporal.address }, 'receiver listening');

  await shutdownSignal();
  logger.info({}, 'receiver stopping');
  await drain(server);
  await connection.close();
  logger.info({}, 'receiver stopped');
}

function shutdownSignal(): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    process.once('SIGTERM', resolve);
    process.once('SIGINT', resolve);
  });
}

async function drain(server: Server): Promise<void> {
  const closed = once(server, 'close');
  server.close();
  server.closeIdleConnections();
  const timer = setTimeout(() => server.closeAllConnections(), DRAIN_TIMEOUT_MS);
  await closed;
  clearTimeout(timer);
}

// Configuration first: the logger reads LOG_LEVEL, which is validated here.
const config = loadConfigOrExit(receiverConfigSections);
const logger = createLogger('webhook-receiver');
main(config, logger).then(
  () => process.exit(0),
  (error: unknown) => {
    logger.error({ err: error }, 'receiver failed');
    process.exit(1);
  },
);
