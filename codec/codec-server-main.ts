/**
 * Runs the codec server: `node --import tsx codec/codec-server-main.ts`.
 * Reads PAYLOAD_ENCRYPTION_KEYS, CODEC_SERVER_TOKEN, CODEC_SERVER_PORT (8888), CODEC_SERVER_HOST
 * (127.0.0.1), CODEC_CORS_ORIGINS and LOG_LEVEL.
 */
import { z } from 'zod';
import { encryptionSection, loadConfigOrExit, loggingSection, variable } from '../common/config';
import { createLogger } from '../common/logger';
import { createCodecServerApp } from './codec-server';

const codecSection = {
  port: variable(
    'CODEC_SERVER_PORT',
    'the TCP port the codec server listens on (0 to 65535)',
    z.coerce.number().int().min(0).max(65535).default(8888),
  ),
  host: variable(
    'CODEC_SERVER_HOST',
    'the address the codec server binds to, e.g. 127.0.0.1 on a workstation or 0.0.0.0 in a container',
    z.string().trim().min(1).default('127.0.0.1'),
  ),
  token: variable(
    'CODEC_SERVER_TOKEN',
    'a random secret of at least 32 characters that clients present, e.g. from `openssl rand -base64 48`',
    z.string().min(32),
  ),
  corsOrigins: variable(
    'CODEC_CORS_ORIGINS',
    'comma-separated origins of the Temporal Web UI, e.g. http://localhost:8080',
    z
      .string()
      .transform((list) =>
        list
          .split(',')
          .map((origin) => origin.trim())
          .filter(Boolean),
      )
      .pipe(z.array(z.url({ protocol: /^https?$/ }).transform((url) => new URL(url).origin))),
  ),
};

const config = loadConfigOrExit({
  codec: codecSection,
  encryption: encryptionSection,
  logging: loggingSection,
});
const logger = createLogger('codec-server');
const app = createCodecServerApp({
  keys: config.encryption.keys,
  token: config.codec.token,
  corsOrigins: config.codec.corsOrigins,
  logger,
});

const server = app.listen(config.codec.port, config.codec.host, () => {
  logger.info({ address: server.address(), corsOrigins: config.codec.corsOrigins }, 'codec server listening');
});

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    logger.info({ signal }, 'codec server stopping');
    server.close((error) => process.exit(error ? 1 : 0));
    server.closeIdleConnections();
  });
}
