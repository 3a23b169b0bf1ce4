import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { Client } from '@temporalio/client';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import type { BoricaApi, IdentificationPoll } from '../../borica/api';
import type { IdentificationRequest, IdentificationResponse } from '../../borica/schemas';
import { generateKeySpec } from '../../codec/keys';
import { encryptedDataConverter } from '../../codec/payload-codec';
import { loadConfig } from '../../common/config';
import { devServerExecutable } from '../../scripts/temporal-binaries';
import { type WorkerConfig, workerConfigSections } from '../../worker/config';
import { type BoricaWorker, bundleWorkflows, createBoricaWorker } from '../../worker/worker';
import {
  type MobileIdentificationInput,
  type MobileIdentificationResult,
  searchAttributes,
} from '../../workflows/definitions';

const root = resolve(__dirname, '..', '..');
const workflowsMissing =
  !existsSync(join(root, 'workflows', 'index.ts')) && 'workflows/index.ts does not exist yet';

/**
 * BORICA for one B-Trust MOBILE identification whose poll answers only when released, so a
 * test can hold an activity in flight.
 */
class HeldMobileIdentification implements Partial<BoricaApi> {
  identifications = 0;
  polls = 0;
  private release!: () => void;
  private readonly released = new Promise<void>((resolve) => {
    this.release = resolve;
  });

  async identify(_request: IdentificationRequest): Promise<IdentificationResponse> {
    this.identifications++;
    const validity = new Date(Date.now() + 10 * 60_000).toISOString();
    return { code: 'OK', data: { callbackId: 'cb-1', validity } };
  }

  async getIdentificationResult(): Promise<IdentificationPoll> {
    this.polls++;
    await this.released;
    const content = Buffer.from('%PDF-1.7 eID certificate').toString('base64');
    return {
      finished: true,
      result: {
        code: 'OK',
        status: 'FINISHED',
        data: {
          content,
          identification_before: 'Bank',
          identification_reason: 'loan',
          identifier: 'PNOBG-1',
        },
      },
    };
  }

  answer(): void {
    this.release();
  }

  async close(): Promise<void> {}
}

const input: MobileIdentificationInput = {
  externalRef: 'drain-1',
  person: { docType: 'EGN', identificatorValue: '7805166742', dateOfBirth: '16-05-1978' },
  phoneNumber: '+359888123456',
  email: 'ivan@example.com',
  reason: 'loan',
  pollIntervalMs: 1000,
};

describe('createBoricaWorker', { skip: workflowsMissing }, () => {
  let env: TestWorkflowEnvironment;
  let dir: string;
  let config: WorkerConfig;
  let workflowBundle: { code: string };

  before(async () => {
    env = await TestWorkflowEnvironment.createLocal({
      server: { executable: devServerExecutable(), searchAttributes },
    });
    dir = await mkdtemp(join(tmpdir(), 'borica-worker-'));
    const pem = join(dir, 'unused.pem');
    await writeFile(pem, '');
    config = loadConfig(workerConfigSections, {
      TEMPORAL_ADDRESS: env.address,
      TEMPORAL_TASK_QUEUE: 'create-borica-worker-test',
      BORICA_BASE_URL: 'https://127.0.0.1:9/signing-api/v2',
      BORICA_IDENTIFICATION_URL: 'https://127.0.0.1:9',
      BORICA_RELYING_PARTY_ID: '24102167',
      BORICA_CLIENT_CERT: pem,
      BORICA_CLIENT_KEY: pem,
      BORICA_CA_CERT: pem,
      CALLBACK_PUBLIC_URL: 'https://callbacks.example.com',
      CALLBACK_SECRET: 'a-callback-secret-that-is-long-enough-0123456789',
      DOCUMENT_STORE_DIR: join(dir, 'documents'),
      PAYLOAD_ENCRYPTION_KEYS: generateKeySpec('test'),
    });
    workflowBundle = await bundleWorkflows();
  });

  after(async () => {
    await env?.teardown();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  function startWorker(borica: HeldMobileIdentification): Promise<BoricaWorker> {
    return createBoricaWorker(config, {
      workflowBundle,
      connection: env.nativeConnection,
      borica: borica as unknown as BoricaApi,
    });
  }

  it('lets an in-flight activity finish on shutdown, so BORICA is not asked twice', async () => {
    const borica = new HeldMobileIdentification();
    const first = await startWorker(borica);
    const firstRun = first.run();
    const client = new Client({
      connection: env.connection,
      dataConverter: encryptedDataConverter(config.encryption.keys),
    });
    const handle = await client.workflow.start('mobileIdentificationWorkflow', {
      args: [input],
      workflowId: 'mobile-identification:drain-1',
      taskQueue: config.temporal.taskQueue,
    });

    while (borica.polls === 0) await sleep(50);
    first.shutdown();
    borica.answer();
    await firstRun;

    const second = await startWorker(borica);
    const secondRun = second.run();
    try {
      const result = (await handle.result()) as MobileIdentificationResult;
      assert.equal(result.outcome, 'identified');
    } finally {
      second.shutdown();
      await secondRun;
    }
    assert.equal(borica.identifications, 1);
    assert.equal(borica.polls, 1);
  });
});
