/**
 * Configuration, read once at the edge of each process from environment variables.
 *
 * Every variable is declared once, with a zod schema and a sentence saying what it expects.
 * Variables are grouped into sections, and each process loads only the sections it needs:
 *
 * @example
 * ```ts
 * const config = loadConfigOrExit({ temporal: temporalSection, logging: loggingSection });
 * config.temporal.address; // 'localhost:7233' unless TEMPORAL_ADDRESS says otherwise
 * ```
 */
import { accessSync, constants, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { z } from 'zod';
import { type KeyRing, parseKeyRing } from '../codec/keys';

/** What goes wrong with one variable; never carries the variable's value. */
export interface ConfigProblem {
  readonly variable: string;
  readonly missing: boolean;
  readonly expected: string;
  /** A further explanation written by this module (for example a key ring's malformed entry). */
  readonly detail?: string;
}

/**
 * A missing or malformed environment variable. The message is one line that names every
 * offending variable and what it should hold, so an entry script can print it as is.
 */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';

  constructor(readonly problems: readonly ConfigProblem[]) {
    super(problems.map(describe).join('; '));
  }

  /** Names of the offending variables, in declaration order. */
  get variables(): string[] {
    return this.problems.map((problem) => problem.variable);
  }
}

/** One environment variable: its name, how to read it, and what a reader should put there. */
export interface Variable<T> {
  readonly name: string;
  readonly expected: string;
  readonly schema: z.ZodType<T>;
  /** Another variable that must be set whenever this one is, e.g. a key beside its certificate. */
  readonly requires?: string;
}

/** A group of variables read together, e.g. everything needed to reach Temporal. */
export type Section = Readonly<Record<string, Variable<unknown>>>;

/** The values of a section, keyed like the section. */
export type SectionValue<S extends Section> = {
  readonly [K in keyof S]: S[K] extends Variable<infer T> ? T : never;
};

/** The values of several sections, keyed like the sections. */
export type ConfigOf<S extends Readonly<Record<string, Section>>> = {
  readonly [K in keyof S]: SectionValue<S[K]>;
};

/** Declares a variable; an empty value counts as unset so `VAR=` in a compose file means "default". */
export function variable<T>(
  name: string,
  expected: string,
  schema: z.ZodType<T>,
  options: { readonly requires?: string } = {},
): Variable<T> {
  return { name, expected, schema, ...options };
}

/**
 * Reads the given sections from `env`.
 *
 * @throws {@link ConfigError} naming every missing or malformed variable at once.
 */
export function loadConfig<S extends Readonly<Record<string, Section>>>(
  sections: S,
  env: NodeJS.ProcessEnv = process.env,
): ConfigOf<S> {
  const problems: ConfigProblem[] = [];
  const read = (section: Section) =>
    Object.fromEntries(
      Object.entries(section).map(([key, spec]) => [key, readVariable(spec, env, problems)]),
    );
  const config = Object.fromEntries(Object.entries(sections).map(([key, section]) => [key, read(section)]));
  problems.push(...missingCompanions(Object.values(sections), env));

  if (problems.length > 0) throw new ConfigError(dedupe(problems));
  return config as ConfigOf<S>;
}

/**
 * {@link loadConfig} for entry scripts: on a {@link ConfigError} it prints the one-line message
 * to stderr and exits with status 1, with no stack trace.
 */
export function loadConfigOrExit<S extends Readonly<Record<string, Section>>>(
  sections: S,
  env: NodeJS.ProcessEnv = process.env,
): ConfigOf<S> {
  try {
    return loadConfig(sections, env);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    process.stderr.write(`Configuration error: ${error.message}\n`);
    process.exit(1);
  }
}

// ---------------------------------------------------------------------------------------------
// Field shapes

const text = z.string().trim().min(1);

const port = z.coerce.number().int().min(0).max(65535);

const positiveInteger = z.coerce.number().int().positive();

const httpUrl = z.url({ protocol: /^https?$/ }).transform((url) => url.replace(/\/+$/, ''));

/** `host:port`, the form gRPC and the Temporal CLI take. */
const hostPort = z.string().regex(/^[\w.-]+:\d{1,5}$|^\[[\da-fA-F:]+\]:\d{1,5}$/);

const readableFile = z
  .string()
  .transform((path) => resolve(path))
  .refine(isReadableFile, { message: 'nothing readable is at that path' });

const keyRing = z.string().transform((spec, context): KeyRing => {
  try {
    return parseKeyRing(spec);
  } catch (error) {
    // parseKeyRing names entries by position or id, never by key material.
    context.addIssue({ code: 'custom', message: (error as Error).message });
    return z.NEVER;
  }
});

/** The spellings Temporal's own tools accept for a switch. */
const flag = z
  .string()
  .trim()
  .toLowerCase()
  .pipe(z.enum(['true', 'false', '1', '0']))
  .transform((value) => value === 'true' || value === '1');

const logLevel = z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']);

// ---------------------------------------------------------------------------------------------
// Variables

export const temporalAddress = variable(
  'TEMPORAL_ADDRESS',
  'host:port of the Temporal frontend, e.g. localhost:7233',
  hostPort.default('localhost:7233'),
);

export const temporalNamespace = variable(
  'TEMPORAL_NAMESPACE',
  'a Temporal namespace name',
  text.default('default'),
);

// Temporal's connection security, under the names Temporal's CLI and SDKs read.

export const temporalApiKey = variable(
  'TEMPORAL_API_KEY',
  'an API key the Temporal server accepts, e.g. one issued by Temporal Cloud; it turns TLS on',
  text.optional(),
);

export const temporalTls = variable(
  'TEMPORAL_TLS',
  'true or false: whether to reach Temporal over TLS (on when an API key or a TLS setting is given)',
  flag.optional(),
);

export const temporalTlsClientCert = variable(
  'TEMPORAL_TLS_CLIENT_CERT_PATH',
  'the path of a readable PEM file holding the client certificate for mutual TLS with Temporal',
  readableFile.optional(),
  { requires: 'TEMPORAL_TLS_CLIENT_KEY_PATH' },
);

export const temporalTlsClientKey = variable(
  'TEMPORAL_TLS_CLIENT_KEY_PATH',
  'the path of a readable PEM file holding the client private key for mutual TLS with Temporal',
  readableFile.optional(),
  { requires: 'TEMPORAL_TLS_CLIENT_CERT_PATH' },
);

export const temporalTlsServerCaCert = variable(
  'TEMPORAL_TLS_SERVER_CA_CERT_PATH',
  "the path of a readable PEM file holding the CA certificates that sign the Temporal server's certificate",
  readableFile.optional(),
);

export const temporalTlsServerName = variable(
  'TEMPORAL_TLS_SERVER_NAME',
  "the name to check the Temporal server's certificate against, when it is not the address's host",
  text.optional(),
);

export const temporalTaskQueue = variable(
  'TEMPORAL_TASK_QUEUE',
  'the task queue the workflows and activities run on',
  text.default('borica-flows'),
);

export const boricaBaseUrl = variable(
  'BORICA_BASE_URL',
  'the Signing API v2 base URL, e.g. https://cges-rptest.b-trust.bg/signing-api/v2',
  httpUrl,
);

export const boricaIdentificationUrl = variable(
  'BORICA_IDENTIFICATION_URL',
  'the base URL customers are redirected to for video identification, e.g. https://idtest.borica.bg',
  httpUrl,
);

export const boricaRelyingPartyId = variable(
  'BORICA_RELYING_PARTY_ID',
  'the numeric relying party id BORICA assigned, e.g. 24102167',
  z.string().trim().regex(/^\d+$/),
);

export const boricaClientCert = variable(
  'BORICA_CLIENT_CERT',
  'the path of a readable PEM file holding the client certificate for mutual TLS',
  readableFile,
);

export const boricaClientKey = variable(
  'BORICA_CLIENT_KEY',
  'the path of a readable PEM file holding the client private key for mutual TLS',
  readableFile,
);

export const boricaCaCert = variable(
  'BORICA_CA_CERT',
  'the path of a readable PEM file holding the CA certificates that sign BORICA server certificates',
  readableFile,
);

export const boricaClientKeyPassphrase = variable(
  'BORICA_CLIENT_KEY_PASSPHRASE',
  'the passphrase of the client private key, when it is encrypted',
  z.string().optional(),
);

export const boricaTimeoutMs = variable(
  'BORICA_TIMEOUT_MS',
  'a positive number of milliseconds to wait for each BORICA response',
  positiveInteger.default(30_000),
);

export const callbackPublicUrl = variable(
  'CALLBACK_PUBLIC_URL',
  "the webhook receiver's base URL as BORICA reaches it, e.g. https://callbacks.example.com",
  httpUrl,
);

export const callbackSecret = variable(
  'CALLBACK_SECRET',
  'a random secret of at least 32 characters that signs callback URLs, e.g. from `openssl rand -base64 48`',
  z.string().min(32),
);

export const receiverPort = variable(
  'RECEIVER_PORT',
  'the TCP port the webhook receiver listens on (0 to 65535)',
  port.default(8081),
);

export const receiverTrustProxy = variable(
  'RECEIVER_TRUST_PROXY',
  'the number of reverse proxies in front of the webhook receiver, whose X-Forwarded-For is trusted',
  z.coerce.number().int().min(0).default(0),
);

export const receiverRateLimit = variable(
  'RECEIVER_RATE_LIMIT',
  'a positive number of requests per minute allowed from one client address',
  positiveInteger.default(12_000),
);

export const documentStoreDir = variable(
  'DOCUMENT_STORE_DIR',
  'the directory where encrypted PDFs are kept',
  text.transform((dir) => resolve(dir)),
);

export const payloadEncryptionKeys = variable(
  'PAYLOAD_ENCRYPTION_KEYS',
  'comma-separated id:base64 AES-256 keys, the first one encrypting, e.g. 2025:<32 bytes of base64>',
  keyRing,
);

export const metricsPort = variable(
  'METRICS_PORT',
  'the TCP port of the Prometheus /metrics endpoint (1 to 65535), or unset for no endpoint',
  port.min(1).optional(),
);

export const metricsHost = variable(
  'METRICS_HOST',
  'the address the Prometheus endpoint binds to, e.g. 0.0.0.0 or 127.0.0.1',
  text.default('0.0.0.0'),
);

export const logLevelVariable = variable(
  'LOG_LEVEL',
  'one of fatal, error, warn, info, debug, trace or silent',
  logLevel.default('info'),
);

// ---------------------------------------------------------------------------------------------
// Sections

export const temporalSection = {
  address: temporalAddress,
  namespace: temporalNamespace,
  taskQueue: temporalTaskQueue,
  apiKey: temporalApiKey,
  tls: temporalTls,
  tlsClientCertPath: temporalTlsClientCert,
  tlsClientKeyPath: temporalTlsClientKey,
  tlsServerCaCertPath: temporalTlsServerCaCert,
  tlsServerName: temporalTlsServerName,
};

export const boricaSection = {
  baseUrl: boricaBaseUrl,
  identificationUrl: boricaIdentificationUrl,
  relyingPartyId: boricaRelyingPartyId,
  clientCertPath: boricaClientCert,
  clientKeyPath: boricaClientKey,
  caCertPath: boricaCaCert,
  clientKeyPassphrase: boricaClientKeyPassphrase,
  timeoutMs: boricaTimeoutMs,
};

export const callbacksSection = {
  publicUrl: callbackPublicUrl,
  secret: callbackSecret,
};

export const receiverSection = {
  port: receiverPort,
  trustProxy: receiverTrustProxy,
  rateLimitPerMinute: receiverRateLimit,
};

export const storeSection = {
  dir: documentStoreDir,
};

export const encryptionSection = {
  keys: payloadEncryptionKeys,
};

export const metricsSection = {
  port: metricsPort,
  host: metricsHost,
};

export const loggingSection = {
  level: logLevelVariable,
};

export type TemporalConfig = SectionValue<typeof temporalSection>;
export type BoricaConfig = SectionValue<typeof boricaSection>;
export type CallbacksConfig = SectionValue<typeof callbacksSection>;
export type ReceiverConfig = SectionValue<typeof receiverSection>;
export type StoreConfig = SectionValue<typeof storeSection>;
export type EncryptionConfig = SectionValue<typeof encryptionSection>;
export type MetricsConfig = SectionValue<typeof metricsSection>;
export type LoggingConfig = SectionValue<typeof loggingSection>;

// ---------------------------------------------------------------------------------------------

function readVariable<T>(
  spec: Variable<T>,
  env: NodeJS.ProcessEnv,
  problems: ConfigProblem[],
): T | undefined {
  const raw = env[spec.name];
  const given = raw === undefined || raw.trim() === '' ? undefined : raw;
  const parsed = spec.schema.safeParse(given);
  if (parsed.success) return parsed.data;

  problems.push({
    variable: spec.name,
    missing: given === undefined,
    expected: spec.expected,
    ...customDetail(parsed.error),
  });
  return undefined;
}

/** Only messages this module wrote are shown: zod's own could quote the value. */
function customDetail(error: z.ZodError): { detail?: string } {
  const custom = error.issues.find((issue) => issue.code === 'custom');
  return custom ? { detail: custom.message } : {};
}

function describe(problem: ConfigProblem): string {
  const state = problem.missing ? 'is not set' : 'is invalid';
  const detail = problem.detail ? ` (${problem.detail})` : '';
  return `${problem.variable} ${state}${detail}: expected ${problem.expected}`;
}

/** A variable set without the one it {@link Variable.requires}, which is reported as missing. */
function missingCompanions(sections: readonly Section[], env: NodeJS.ProcessEnv): ConfigProblem[] {
  const specs = new Map(
    sections.flatMap((section) => Object.values(section)).map((spec) => [spec.name, spec]),
  );
  const isSet = (name: string) => (env[name] ?? '').trim() !== '';
  return [...specs.values()].flatMap((spec) =>
    spec.requires && isSet(spec.name) && !isSet(spec.requires)
      ? [
          {
            variable: spec.requires,
            missing: true,
            expected: specs.get(spec.requires)?.expected ?? 'a value',
            detail: `${spec.name} is set`,
          },
        ]
      : [],
  );
}

/** A variable shared by two sections is reported once. */
function dedupe(problems: readonly ConfigProblem[]): ConfigProblem[] {
  const seen = new Set<string>();
  return problems.filter((problem) => !seen.has(problem.variable) && seen.add(problem.variable));
}

function isReadableFile(path: string): boolean {
  try {
    accessSync(path, constants.R_OK);
    return statSync(path).isFile();
  } catch {
    return false;
  }
}
