import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { generateKeySpec } from '../../codec/keys';
import {
  boricaSection,
  ConfigError,
  callbacksSection,
  encryptionSection,
  loadConfig,
  loggingSection,
  metricsSection,
  receiverSection,
  temporalSection,
} from '../../common/config';
import { temporalConnectionOptions } from '../../common/temporal-connection';

const SECRET = 'a-callback-secret-that-is-long-enough-0123456789';

function configErrorOf(action: () => unknown): ConfigError {
  try {
    action();
  } catch (error) {
    assert.ok(error instanceof ConfigError, `expected a ConfigError, got ${String(error)}`);
    return error;
  }
  assert.fail('expected a ConfigError');
}

describe('configuration', () => {
  let dir: string;
  let pem: string;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'borica-config-'));
    pem = join(dir, 'client.pem');
    await writeFile(pem, '-----BEGIN CERTIFICATE-----\n');
  });

  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('fills the Temporal, receiver, metrics and logging defaults', () => {
    const config = loadConfig(
      {
        temporal: temporalSection,
        receiver: receiverSection,
        metrics: metricsSection,
        logging: loggingSection,
      },
      {},
    );

    assert.deepEqual(config.temporal, {
      address: 'localhost:7233',
      namespace: 'default',
      taskQueue: 'borica-flows',
      apiKey: undefined,
      tls: undefined,
      tlsClientCertPath: undefined,
      tlsClientKeyPath: undefined,
      tlsServerCaCertPath: undefined,
      tlsServerName: undefined,
    });
    assert.deepEqual(config.receiver, { port: 8081, trustProxy: 0, rateLimitPerMinute: 12_000 });
    assert.deepEqual(config.metrics, { port: undefined, host: '0.0.0.0' });
    assert.equal(config.logging.level, 'info');
  });

  it('reads every BORICA variable, resolving file paths and trimming trailing slashes', () => {
    const config = loadConfig(
      { borica: boricaSection },
      {
        BORICA_BASE_URL: 'https://cges-rptest.b-trust.bg/signing-api/v2/',
        BORICA_IDENTIFICATION_URL: 'https://idtest.borica.bg',
        BORICA_RELYING_PARTY_ID: '24102167',
        BORICA_CLIENT_CERT: pem,
        BORICA_CLIENT_KEY: pem,
        BORICA_CA_CERT: pem,
        BORICA_TIMEOUT_MS: '5000',
      },
    );

    assert.deepEqual(config.borica, {
      baseUrl: 'https://cges-rptest.b-trust.bg/signing-api/v2',
      identificationUrl: 'https://idtest.borica.bg',
      relyingPartyId: '24102167',
      clientCertPath: pem,
      clientKeyPath: pem,
      caCertPath: pem,
      clientKeyPassphrase: undefined,
      timeoutMs: 5000,
    });
  });

  it('treats an empty value as unset, so the default applies', () => {
    const config = loadConfig(
      { temporal: temporalSection },
      { TEMPORAL_ADDRESS: '', TEMPORAL_NAMESPACE: ' ' },
    );

    assert.equal(config.temporal.address, 'localhost:7233');
    assert.equal(config.temporal.namespace, 'default');
  });

  it('parses the payload key ring', () => {
    const config = loadConfig(
      { encryption: encryptionSection },
      { PAYLOAD_ENCRYPTION_KEYS: generateKeySpec('2026') },
    );

    assert.equal(config.encryption.keys.current.id, '2026');
  });

  it('names a missing variable and what it expects, on one line', () => {
    const error = configErrorOf(() =>
      loadConfig({ callbacks: callbacksSection }, { CALLBACK_PUBLIC_URL: 'https://callbacks.example.com' }),
    );

    assert.deepEqual(error.variables, ['CALLBACK_SECRET']);
    assert.match(
      error.message,
      /^CALLBACK_SECRET is not set: expected a random secret of at least 32 characters/,
    );
    assert.doesNotMatch(error.message, /\n/);
  });

  it('names every offending variable at once', () => {
    const error = configErrorOf(() =>
      loadConfig(
        { temporal: temporalSection, receiver: receiverSection, metrics: metricsSection },
        { TEMPORAL_ADDRESS: 'localhost', RECEIVER_PORT: '80800', METRICS_PORT: 'nine', LOG_LEVEL: 'loud' },
      ),
    );

    assert.deepEqual(error.variables, ['TEMPORAL_ADDRESS', 'RECEIVER_PORT', 'METRICS_PORT']);
    assert.match(error.message, /TEMPORAL_ADDRESS is invalid: expected host:port/);
    assert.doesNotMatch(error.message, /\n/);
  });

  it('rejects a log level pino does not know', () => {
    const error = configErrorOf(() => loadConfig({ logging: loggingSection }, { LOG_LEVEL: 'loud' }));

    assert.match(error.message, /^LOG_LEVEL is invalid: expected one of fatal, error/);
  });

  it('never echoes a secret it rejects', () => {
    const shortSecret = 'hunter2-hunter2';
    const badKey = 'k1:c2VjcmV0LWtleS1tYXRlcmlhbA==';
    const error = configErrorOf(() =>
      loadConfig(
        { callbacks: callbacksSection, encryption: encryptionSection },
        {
          CALLBACK_PUBLIC_URL: 'https://cb.example.com',
          CALLBACK_SECRET: shortSecret,
          PAYLOAD_ENCRYPTION_KEYS: badKey,
        },
      ),
    );

    assert.deepEqual(error.variables, ['CALLBACK_SECRET', 'PAYLOAD_ENCRYPTION_KEYS']);
    assert.match(error.message, /PAYLOAD_ENCRYPTION_KEYS is invalid \(key "k1" must be 32 bytes/);
    assert.doesNotMatch(error.message, /hunter2/);
    assert.doesNotMatch(error.message, /c2VjcmV0/);
  });

  it('rejects a certificate path where no file can be read', () => {
    const error = configErrorOf(() =>
      loadConfig(
        { borica: boricaSection },
        {
          BORICA_BASE_URL: 'https://cges-rptest.b-trust.bg/signing-api/v2',
          BORICA_IDENTIFICATION_URL: 'https://idtest.borica.bg',
          BORICA_RELYING_PARTY_ID: '24102167',
          BORICA_CLIENT_CERT: join(dir, 'missing.pem'),
          BORICA_CLIENT_KEY: dir,
          BORICA_CA_CERT: pem,
        },
      ),
    );

    assert.deepEqual(error.variables, ['BORICA_CLIENT_CERT', 'BORICA_CLIENT_KEY']);
    assert.match(error.message, /BORICA_CLIENT_CERT is invalid \(nothing readable is at that path\)/);
  });

  it('accepts only http and https URLs for BORICA and the callbacks', () => {
    const error = configErrorOf(() =>
      loadConfig(
        { callbacks: callbacksSection },
        { CALLBACK_PUBLIC_URL: 'ftp://callbacks.example.com', CALLBACK_SECRET: SECRET },
      ),
    );

    assert.deepEqual(error.variables, ['CALLBACK_PUBLIC_URL']);
  });

  describe("Temporal's connection security", () => {
    const temporal = (env: NodeJS.ProcessEnv) => loadConfig({ temporal: temporalSection }, env).temporal;

    it('connects without TLS unless something asks for it', () => {
      assert.deepEqual(temporalConnectionOptions(temporal({})), { address: 'localhost:7233', tls: false });
    });

    it('reads the CA, the client pair and the server name into the TLS options', () => {
      const options = temporalConnectionOptions(
        temporal({
          TEMPORAL_ADDRESS: 'temporal.bank.example:7233',
          TEMPORAL_TLS_SERVER_CA_CERT_PATH: pem,
          TEMPORAL_TLS_CLIENT_CERT_PATH: pem,
          TEMPORAL_TLS_CLIENT_KEY_PATH: pem,
          TEMPORAL_TLS_SERVER_NAME: 'frontend.internal',
        }),
      );

      const contents = Buffer.from('-----BEGIN CERTIFICATE-----\n');
      assert.deepEqual(options, {
        address: 'temporal.bank.example:7233',
        tls: {
          serverNameOverride: 'frontend.internal',
          serverRootCACertificate: contents,
          clientCertPair: { crt: contents, key: contents },
        },
      });
    });

    it('turns TLS on with an API key, and off only when TEMPORAL_TLS says false', () => {
      assert.deepEqual(temporalConnectionOptions(temporal({ TEMPORAL_API_KEY: 'cloud-key' })), {
        address: 'localhost:7233',
        tls: {},
        apiKey: 'cloud-key',
      });
      assert.equal(
        temporalConnectionOptions(temporal({ TEMPORAL_API_KEY: 'cloud-key', TEMPORAL_TLS: 'false' })).tls,
        false,
      );
      assert.deepEqual(temporalConnectionOptions(temporal({ TEMPORAL_TLS: 'TRUE' })).tls, {});
    });

    it('names the missing half of a client certificate pair', () => {
      const error = configErrorOf(() => temporal({ TEMPORAL_TLS_CLIENT_CERT_PATH: pem }));

      assert.deepEqual(error.variables, ['TEMPORAL_TLS_CLIENT_KEY_PATH']);
      assert.match(
        error.message,
        /^TEMPORAL_TLS_CLIENT_KEY_PATH is not set \(TEMPORAL_TLS_CLIENT_CERT_PATH is set\): expected the path/,
      );
    });

    it('rejects a TEMPORAL_TLS that is not a switch, and never echoes the API key', () => {
      const error = configErrorOf(() =>
        temporal({
          TEMPORAL_TLS: 'maybe',
          TEMPORAL_API_KEY: 'secret-api-key',
          TEMPORAL_TLS_SERVER_CA_CERT_PATH: dir,
        }),
      );

      assert.deepEqual(error.variables, ['TEMPORAL_TLS', 'TEMPORAL_TLS_SERVER_CA_CERT_PATH']);
      assert.doesNotMatch(error.message, /maybe|secret-api-key/);
    });
  });
});
