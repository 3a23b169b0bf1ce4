/**
 * `npm run dev`: the whole local stack in one command. Starts the Temporal dev server (Web UI
 * on, state in a SQLite file, the project's search attributes registered), the BORICA sandbox
 * (unless BORICA_BASE_URL points elsewhere), the codec server, the callback receiver and the
 * worker; then runs the demo once unless `--no-demo` is given. Ctrl-C stops everything.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { join, resolve } from 'node:path';
import { generateKeySpec } from '../codec/keys';
import { searchAttributes } from '../workflows/definitions';
import { requireTemporalCli } from './temporal-binaries';

const root = resolve(__dirname, '..');
const stateDir = join(root, '.local', 'dev');
const logDir = join(stateDir, 'logs');

const ports = {
  temporal: 7233,
  ui: 8233,
  sandboxApi: 8443,
  sandboxWeb: 8088,
  receiver: 8081,
  codec: 8089,
  metrics: 9464,
};

const children: ChildProcess[] = [];
let stopping = false;

async function main(): Promise<void> {
  const runDemo = !process.argv.includes('--no-demo');
  mkdirSync(logDir, { recursive: true });
  const secrets = loadOrCreateSecrets();
  const useSandbox = !process.env.BORICA_BASE_URL;

  process.on('SIGINT', () => void stopAll(0));
  process.on('SIGTERM', () => void stopAll(0));

  startTemporal();
  await waitForPort(ports.temporal, 'Temporal dev server');

  const env = { ...process.env, ...secrets, ...stackEnv(useSandbox) };
  if (useSandbox) {
    start('sandbox', ['sandbox/main.ts'], env);
    await waitForPort(ports.sandboxApi, 'sandbox');
  }
  start('codec', ['codec/codec-server-main.ts'], env);
  start('receiver', ['webhook-receiver/main.ts'], env);
  start('worker', ['worker/main.ts'], env);
  await waitForPort(ports.receiver, 'callback receiver');

  printWhereToLook(useSandbox, secrets);
  if (runDemo) start('demo', ['scripts/demo.ts'], env, { keepStackOnExit: true });
}

function startTemporal(): void {
  const args = [
    'server',
    'start-dev',
    '--db-filename',
    join(stateDir, 'temporal.db'),
    '--port',
    String(ports.temporal),
    '--ui-port',
    String(ports.ui),
    '--ui-codec-endpoint',
    `http://127.0.0.1:${ports.codec}`,
    '--log-level',
    'warn',
    // WAL and a relaxed fsync make SQLite keep up with many workflows on one machine.
    '--sqlite-pragma',
    'journal_mode=wal',
    '--sqlite-pragma',
    'synchronous=normal',
    ...searchAttributes.flatMap((key) => ['--search-attribute', `${key.name}=Keyword`]),
  ];
  const child = spawn(requireTemporalCli(), args, { stdio: ['ignore', ...logFile('temporal')] });
  track('temporal', child);
}

function stackEnv(useSandbox: boolean): Record<string, string> {
  const pki = join(root, '.local', 'sandbox-pki');
  const sandbox = useSandbox
    ? {
        SANDBOX_API_PORT: String(ports.sandboxApi),
        SANDBOX_WEB_PORT: String(ports.sandboxWeb),
        SANDBOX_PKI_DIR: pki,
        BORICA_BASE_URL: `https://127.0.0.1:${ports.sandboxApi}/signing-api/v2`,
        BORICA_IDENTIFICATION_URL: `http://127.0.0.1:${ports.sandboxWeb}`,
        BORICA_SANDBOX_CONTROL_URL: `http://127.0.0.1:${ports.sandboxWeb}/_sandbox`,
        BORICA_RELYING_PARTY_ID: '24102167',
        BORICA_CLIENT_CERT: join(pki, 'client.pem'),
        BORICA_CLIENT_KEY: join(pki, 'client-key.pem'),
        BORICA_CA_CERT: join(pki, 'ca.pem'),
      }
    : {};
  return {
    TEMPORAL_ADDRESS: `127.0.0.1:${ports.temporal}`,
    TEMPORAL_NAMESPACE: 'default',
    TEMPORAL_TASK_QUEUE: 'borica-flows',
    CALLBACK_PUBLIC_URL: `http://127.0.0.1:${ports.receiver}`,
    RECEIVER_PORT: String(ports.receiver),
    DOCUMENT_STORE_DIR: join(stateDir, 'documents'),
    CODEC_SERVER_PORT: String(ports.codec),
    CODEC_CORS_ORIGINS: `http://localhost:${ports.ui},http://127.0.0.1:${ports.ui}`,
    METRICS_PORT: String(ports.metrics),
    ...sandbox,
  };
}

/** Keys and secrets are made once and kept, so that a restarted stack can read its history. */
function loadOrCreateSecrets(): Record<string, string> {
  const file = join(stateDir, 'secrets.json');
  if (existsSync(file)) return JSON.parse(readFileSync(file, 'utf8')) as Record<string, string>;

  const secrets = {
    PAYLOAD_ENCRYPTION_KEYS: generateKeySpec('dev-1'),
    CALLBACK_SECRET: randomBytes(32).toString('base64url'),
    CODEC_SERVER_TOKEN: randomBytes(24).toString('base64url'),
  };
  writeFileSync(file, JSON.stringify(secrets, null, 2), { mode: 0o600 });
  return secrets;
}

function start(
  name: string,
  entry: string[],
  env: NodeJS.ProcessEnv,
  options: { keepStackOnExit?: boolean } = {},
): void {
  const child = spawn(process.execPath, ['--import', 'tsx', ...entry], {
    cwd: root,
    env,
    // The demo talks to the terminal; the services write JSON logs to files.
    stdio: options.keepStackOnExit ? ['ignore', 'inherit', 'inherit'] : ['ignore', ...logFile(name)],
  });
  track(name, child, options.keepStackOnExit);
}

function logFile(name: string): [number, number] {
  const fd = openSync(join(logDir, `${name}.log`), 'a');
  return [fd, fd];
}

function track(name: string, child: ChildProcess, expectedToExit = false): void {
  children.push(child);
  child.on('exit', (code, signal) => {
    if (stopping) return;
    if (expectedToExit) {
      console.log(`\n${name} finished (exit ${code ?? signal}). The stack keeps running; Ctrl-C stops it.`);
      return;
    }
    console.error(
      `${name} stopped unexpectedly (exit ${code ?? signal}); its log is ${join(logDir, `${name}.log`)}.`,
    );
    void stopAll(1);
  });
}

async function stopAll(exitCode: number): Promise<void> {
  if (stopping) return;
  stopping = true;
  for (const child of [...children].reverse()) child.kill('SIGTERM');
  await Promise.all(children.map((child) => exited(child, 10_000)));
  process.exit(exitCode);
}

function exited(child: ChildProcess, timeoutMs: number): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((done) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      done();
    }, timeoutMs);
    child.once('exit', () => {
      clearTimeout(timer);
      done();
    });
  });
}

async function waitForPort(port: number, what: string, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await canConnect(port)) return;
    await new Promise((done) => setTimeout(done, 250));
  }
  throw new Error(`${what} did not start listening on port ${port} within ${timeoutMs / 1000} s`);
}

function canConnect(port: number): Promise<boolean> {
  return new Promise((done) => {
    const socket = connect({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      done(true);
    });
    socket.once('error', () => done(false));
  });
}

function printWhereToLook(useSandbox: boolean, secrets: Record<string, string>): void {
  const lines = [
    '',
    'borica-flows local stack is up:',
    `  Temporal Web UI      http://localhost:${ports.ui}`,
    `  Temporal frontend    127.0.0.1:${ports.temporal}`,
    `  callback receiver    http://127.0.0.1:${ports.receiver}/healthz`,
    `  worker metrics       http://127.0.0.1:${ports.metrics}/metrics`,
    `  codec server         http://127.0.0.1:${ports.codec} (token in .local/dev/secrets.json)`,
    `  logs (JSON lines)    ${logDir}/{temporal,sandbox,worker,receiver,codec}.log`,
  ];
  if (useSandbox) {
    lines.push(`  BORICA sandbox API   https://127.0.0.1:${ports.sandboxApi}/signing-api/v2 (mutual TLS)`);
    lines.push(`  customer pages       http://127.0.0.1:${ports.sandboxWeb}`);
  }
  lines.push(
    '',
    'To see decrypted payloads in the Web UI, open its Codec Server settings and use the endpoint',
    `  http://127.0.0.1:${ports.codec}/t/${secrets.CODEC_SERVER_TOKEN}`,
    '',
  );
  console.log(lines.join('\n'));
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  void stopAll(1);
});
