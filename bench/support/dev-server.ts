/**
 * A Temporal dev server started by the benchmark itself, so that every figure says exactly which
 * server settings produced it. SQLite on a temporary file (not in memory) with WAL, because
 * that is what a developer's persistent dev server looks like and what the figures should reflect.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Connection } from '@temporalio/client';
import { requireTemporalCli } from '../../scripts/temporal-binaries';
import { searchAttributes } from '../../workflows/definitions';

/** What the server is started with; written into every result file. */
export const DEV_SERVER_SETTINGS = {
  sqlitePragmas: {
    // Readers do not block the writer; the default rollback journal serialises them.
    journal_mode: 'wal',
    // With WAL, fsync at checkpoints only; a crash may lose the last transactions, which a
    // throwaway benchmark database can afford.
    synchronous: 'normal',
  },
  dynamicConfig: {
    // One partition per task queue: with a single worker, more partitions only add forwarding
    // between them and lower the share of tasks matched straight to a waiting poller.
    'matching.numTaskqueueReadPartitions': 1,
    'matching.numTaskqueueWritePartitions': 1,
    // Visibility APIs (list, count) default to 10 requests/s per namespace. The receiver looks
    // up signing workflows by BORICA's resultId and the benchmarks count closed workflows.
    'frontend.namespaceRPS.visibility': 1000,
    'frontend.namespaceBurstRatio.visibility': 2,
    // Request and persistence rate limits, raised well above what one machine can offer so that
    // the figures show the machine's limit, not a configured one.
    'frontend.rps': 20000,
    'frontend.namespaceRPS': 20000,
    'frontend.persistenceMaxQPS': 20000,
    'history.rps': 20000,
    'history.persistenceMaxQPS': 20000,
    'matching.rps': 20000,
    'matching.persistenceMaxQPS': 20000,
  },
  logLevel: 'error',
} as const;

export interface DevServer {
  readonly address: string;
  readonly version: string;
  /** The command line, for the result file. */
  readonly args: readonly string[];
  readonly pid: number;
  stop(): Promise<void>;
}

export async function startDevServer(): Promise<DevServer> {
  const cli = requireTemporalCli();
  const dir = await mkdtemp(join(tmpdir(), 'borica-bench-temporal-'));
  const port = await freePort();
  const args = serverArgs(join(dir, 'temporal.sqlite'), port);

  const child = spawn(cli, args, { stdio: ['ignore', 'ignore', 'pipe'] });
  killWithParent(child);
  const stderr: string[] = [];
  child.stderr?.on('data', (chunk: Buffer) => stderr.push(chunk.toString()));
  const address = `127.0.0.1:${port}`;
  await waitUntilServing(address, child, stderr);

  return {
    address,
    version: temporalVersion(cli),
    args: [cli, ...args],
    pid: child.pid ?? -1,
    async stop() {
      await stopChild(child);
      await rm(dir, { recursive: true, force: true });
    },
  };
}

function serverArgs(dbFile: string, port: number): string[] {
  const { sqlitePragmas, dynamicConfig, logLevel } = DEV_SERVER_SETTINGS;
  return [
    'server',
    'start-dev',
    '--headless',
    '--ip',
    '127.0.0.1',
    '--port',
    String(port),
    '--db-filename',
    dbFile,
    '--log-level',
    logLevel,
    ...searchAttributes.flatMap((key) => ['--search-attribute', `${key.name}=Keyword`]),
    ...Object.entries(sqlitePragmas).flatMap(([name, value]) => ['--sqlite-pragma', `${name}=${value}`]),
    ...Object.entries(dynamicConfig).flatMap(([key, value]) => [
      '--dynamic-config-value',
      `${key}=${JSON.stringify(value)}`,
    ]),
  ];
}

async function waitUntilServing(address: string, child: ChildProcess, stderr: string[]): Promise<void> {
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) {
      throw new Error(`the Temporal dev server exited with ${child.exitCode}: ${stderr.join('')}`);
    }
    try {
      const connection = await Connection.connect({ address, connectTimeout: 1000 });
      await connection.workflowService.describeNamespace({ namespace: 'default' });
      await connection.close();
      return;
    } catch {
      await sleep(250);
    }
  }
  child.kill('SIGKILL');
  throw new Error(`the Temporal dev server did not answer on ${address} within 60 s: ${stderr.join('')}`);
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, 'exit');
  child.kill('SIGTERM');
  const killer = setTimeout(() => child.kill('SIGKILL'), 10_000);
  await exited;
  clearTimeout(killer);
}

function temporalVersion(cli: string): string {
  return execFileSync(cli, ['--version'], { encoding: 'utf8' }).trim();
}

export async function freePort(): Promise<number> {
  const server = createServer().listen(0, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address();
  server.close();
  if (address === null || typeof address === 'string') throw new Error('no TCP port was assigned');
  return address.port;
}

/** A benchmark that crashes must not leave its servers running: they die with it. */
export function killWithParent(child: ChildProcess): void {
  const kill = () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  };
  process.once('exit', kill);
  child.once('exit', () => process.off('exit', kill));
}
