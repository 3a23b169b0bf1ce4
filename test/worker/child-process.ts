import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { createServer } from 'node:net';
import { resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { setTimeout as sleep } from 'node:timers/promises';

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
