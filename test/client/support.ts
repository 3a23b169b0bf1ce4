import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from '@temporalio/client';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { bundleWorkflowCode, DefaultLogger, Runtime, Worker } from '@temporalio/worker';
import { createFileDocumentStore, type DocumentStore } from '../../activities/document-store';
import { generateKeySpec, type KeyRing, parseKeyRing } from '../../codec/keys';
import { encryptedDataConverter } from '../../codec/payload-codec';
import { devServerExecutable } from '../../scripts/temporal-binaries';
import { searchAttributes } from '../../workflows/definitions';

/** A dev server with the project's search attributes, a stand-in worker and a document store. */
export interface Harness {
  readonly env: TestWorkflowEnvironment;
  readonly client: Client;
  readonly keys: KeyRing;
  readonly keySpec: string;
  readonly documents: DocumentStore;
  readonly documentDir: string;
  readonly taskQueue: string;
  readonly address: string;
  stop(): Promise<void>;
}

export async function startHarness(): Promise<Harness> {
  Runtime.install({ logger: new DefaultLogger('WARN') });
  const keySpec = generateKeySpec('test');
  const keys = parseKeyRing(keySpec);
  const documentDir = await mkdtemp(join(tmpdir(), 'borica-flows-client-'));
  const taskQueue = 'client-test';

  const env = await TestWorkflowEnvironment.createLocal({
    server: { executable: devServerExecutable(), searchAttributes, ip: '127.0.0.1' },
  });
  const worker = await createWorker(env, taskQueue, keys);
  const running = worker.run();
  const client = new Client({
    connection: env.connection,
    namespace: env.namespace ?? 'default',
    dataConverter: encryptedDataConverter(keys),
  });

  return {
    env,
    client,
    keys,
    keySpec,
    documents: createFileDocumentStore({ dir: documentDir, keys }),
    documentDir,
    taskQueue,
    address: env.address,
    async stop() {
      worker.shutdown();
      await running;
      await env.teardown();
      await rm(documentDir, { recursive: true, force: true });
    },
  };
}

async function createWorker(env: TestWorkflowEnvironment, taskQueue: string, keys: KeyRing): Promise<Worker> {
  const failureConverterPath = require.resolve('../../codec/failure-converter');
  const workflowBundle = await bundleWorkflowCode({
    workflowsPath: require.resolve('./fixtures/workflows'),
    failureConverterPath,
    logger: new DefaultLogger('WARN'),
  });
  return await Worker.create({
    connection: env.nativeConnection,
    namespace: env.namespace ?? 'default',
    taskQueue,
    workflowBundle,
    dataConverter: encryptedDataConverter(keys),
  });
}

/** A small valid PDF whose text makes it tell-tale in a payload. */
export function pdf(text: string): Buffer {
  return Buffer.from(`%PDF-1.4\n% ${text}\n%%EOF\n`);
}
