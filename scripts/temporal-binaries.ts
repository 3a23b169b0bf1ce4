/**
 * Finds the Temporal CLI and the time-skipping test server: an environment variable first,
 * then PATH, then the project's own install (`npm run temporal:install`). When neither is
 * found, the SDK's own download is the fallback, which needs the internet.
 */
import { accessSync, constants } from 'node:fs';
import { delimiter, join, resolve } from 'node:path';
import type { EphemeralServerExecutable } from '@temporalio/testing/lib/ephemeral-server';

const projectBin = resolve(__dirname, '..', '.local', 'temporal', 'bin');

/** Path of the `temporal` CLI, or undefined when it is not installed. */
export function findTemporalCli(): string | undefined {
  return find('TEMPORAL_CLI_PATH', 'temporal');
}

/** Path of the time-skipping test server, or undefined when it is not installed. */
export function findTestServer(): string | undefined {
  return find('TEMPORAL_TEST_SERVER_PATH', 'temporal-test-server');
}

/** The CLI as `@temporalio/testing` takes it, falling back to the SDK's download. */
export function devServerExecutable(): EphemeralServerExecutable {
  const path = findTemporalCli();
  return path ? { type: 'existing-path', path } : { type: 'cached-download' };
}

/** The test server as `@temporalio/testing` takes it, falling back to the SDK's download. */
export function testServerExecutable(): EphemeralServerExecutable {
  const path = findTestServer();
  return path ? { type: 'existing-path', path } : { type: 'cached-download' };
}

/** Like {@link findTemporalCli}, but stops the process with one line saying how to get it. */
export function requireTemporalCli(): string {
  const path = findTemporalCli();
  if (path) return path;
  throw new Error('The Temporal CLI was not found: run `npm run temporal:install` or set TEMPORAL_CLI_PATH.');
}

function find(variable: string, name: string): string | undefined {
  const fromEnv = process.env[variable];
  if (fromEnv) {
    if (isExecutable(fromEnv)) return fromEnv;
    throw new Error(`${variable}=${fromEnv} is not an executable file.`);
  }
  const dirs = [...(process.env.PATH ?? '').split(delimiter).filter(Boolean), projectBin];
  return dirs.map((dir) => join(dir, name)).find(isExecutable);
}

function isExecutable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}
