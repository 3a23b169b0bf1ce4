import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { createServer } from 'node:net';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { setTimeout as sleep } from 'node:timers/promises';
import type { DevPki } from '../../sandbox/pki';

const root = resolve(__dirname, '..', '..');

/** An entry script run as `node --import tsx <script>`, its output split into lines as they arrive. */
export class NodeProcess {
  readonly stdout: string[] = [];
  readonly stderr: string[] = [];
  readonly exited: Promise<number | null>;
  private readonly child: ChildProcess;

  constructor(
    private readonly script: string,
    env: NodeJS.ProcessEnv,
  ) {
    this.child = spawn(process.execPath, ['--import', 'tsx', script], {
      cwd: root,
      env: { PATH: process.env.PATH, HOME: process.env.HOME, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    // 'close' comes after the output streams end, so every line has been collected by then.
    this.exited = once(this.child, 'close').then(([code]) => code as number | null);
    collect(this.child.stdout, this.stdout);
    collect(this.child.stderr, this.stderr);
  }

  /** JSON lines of stdout; every line must be one. */
  get logs(): Record<string, unknown>[] {
    return this.stdout.map((line) => JSON.parse(line));
  }

  /** Resolves with the first stdout line matching, or rejects with the output if the process exits first. */
  async waitForLog(predicate: (line: Record<string, unknown>) => boolean): Promise<Record<string, unknown>> {
    for (;;) {
      const line = this.logs.find(predicate);
      if (line) return line;
      if (this.hasExited()) {
        const output = [...this.stderr, ...this.stdout].join('\n');
        throw new Error(`${this.script} exited with ${this.child.exitCode}:\n${output}`);
      }
      await sleep(100);
    }
  }

  signal(name: NodeJS.Signals): void {
    this.child.kill(name);
  }

  /** Kills the process if it is still running; for `finally` blocks. */
  async stop(): Promise<void> {
    if (!this.hasExited()) {
      this.child.kill('SIGKILL');
      await this.exited;
    }
  }

  private hasExited(): boolean {
    return this.child.exitCode !== null || this.child.signalCode !== null;
  }
}

function collect(stream: NodeJS.ReadableStream | null, into: string[]): void {
  if (stream) createInterface({ input: stream }).on('line', (line) => into.push(line));
}

export async function freePort(): Promise<number> {
  const server = createServer().listen(0, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address();
  server.close();
  assert.ok(address && typeof address === 'object');
  return address.port;
}

/**
 * The variables a worker process needs besides Temporal's: the development PKI for BORICA's
 * mutual TLS, and a BORICA address nothing listens on (these tests never reach BORICA).
 */
export function workerBoricaEnv(pki: DevPki, dir: string): NodeJS.ProcessEnv {
  return {
    BORICA_BASE_URL: 'https://127.0.0.1:9/signing-api/v2',
    BORICA_IDENTIFICATION_URL: 'https://127.0.0.1:9',
    BORICA_RELYING_PARTY_ID: '24102167',
    BORICA_CLIENT_CERT: pki.clientCertPath,
    BORICA_CLIENT_KEY: pki.clientKeyPath,
    BORICA_CA_CERT: pki.caCertPath,
    CALLBACK_PUBLIC_URL: 'https://callbacks.example.com',
    CALLBACK_SECRET: 'a-callback-secret-that-is-long-enough-0123456789',
    DOCUMENT_STORE_DIR: join(dir, 'documents'),
  };
}

export interface CliOutcome {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs `borica-flows` as a child process; asynchronously, so an in-process worker keeps working. */
export function runCli(
  args: readonly string[],
  env: NodeJS.ProcessEnv = {},
  stdin?: string,
): Promise<CliOutcome> {
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, [join(root, 'bin', 'borica-flows.js'), ...args], {
      env: { PATH: process.env.PATH, LOG_LEVEL: 'silent', ...env },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => {
      stdout += chunk;
    });
    child.stderr.on('data', (chunk) => {
      stderr += chunk;
    });
    child.on('error', fail);
    child.on('close', (code) => done({ code, stdout, stderr }));
    child.stdin.end(stdin ?? '');
  });
}
