import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { generateKeySpec } from '../../codec/keys';
import { ensureDevPki } from '../../sandbox/pki';
import { devServerExecutable } from '../../scripts/temporal-binaries';
import { searchAttributes } from '../../workflows/definitions';
import { freePort, NodeProcess, workerBoricaEnv } from './child-process';

const root = resolve(__dirname, '..', '..');

// The worker bundles workflows/ when it starts; until the workflows exist it cannot.
const workflowsMissing =
  !existsSync(join(root, 'workflows', 'index.ts')) && 'workflows/index.ts does not exist yet';

describe('the worker process', () => {
  it('stops with status 1 and one line naming the variable when configuration is missing', async () => {
    const worker = new NodeProcess('worker/main.ts', { TEMPORAL_ADDRESS: 'localhost' });

    assert.equal(await worker.exited, 1);
    assert.equal(worker.stderr.length, 1);
    assert.match(
      worker.stderr[0] ?? '',
      /^Configuration error: TEMPORAL_ADDRESS is invalid: expected host:port/,
    );
    assert.match(worker.stderr[0] ?? '', /; BORICA_BASE_URL is not set: expected /);
    assert.deepEqual(worker.stdout, []);
  });

  describe('against a dev server', { skip: workflowsMissing }, () => {
    let env: TestWorkflowEnvironment;
    let dir: string;
    let workerEnv: NodeJS.ProcessEnv;
    let metricsPort: number;

    before(async () => {
      env = await TestWorkflowEnvironment.createLocal({
        server: { executable: devServerExecutable(), searchAttributes },
      });
      dir = await mkdtemp(join(tmpdir(), 'borica-worker-'));
      const pki = await ensureDevPki({ dir: join(dir, 'pki') });
      metricsPort = await freePort();
      workerEnv = {
        TEMPORAL_ADDRESS: env.address,
        TEMPORAL_TASK_QUEUE: `worker-process-${process.pid}`,
        ...workerBoricaEnv(pki, dir),
        PAYLOAD_ENCRYPTION_KEYS: generateKeySpec('test'),
        METRICS_PORT: String(metricsPort),
        METRICS_HOST: '127.0.0.1',
      };
    });

    after(async () => {
      await env?.teardown();
      if (dir) await rm(dir, { recursive: true, force: true });
    });

    it('polls, serves temporal_ metrics, logs JSON and exits 0 on SIGTERM', async () => {
      const worker = new NodeProcess('worker/main.ts', workerEnv);
      try {
        await worker.waitForLog((line) => line.msg === 'Worker state changed' && line.state === 'RUNNING');

        const metrics = await scrapeUntil(metricsPort, /^temporal_/m);
        assert.match(metrics, /^temporal_\w+/m);

        worker.signal('SIGTERM');
        assert.equal(await worker.exited, 0);
      } finally {
        await worker.stop();
      }

      const messages = worker.logs.map((line) => line.msg);
      assert.ok(messages.includes('worker started'));
      assert.ok(messages.includes('worker stopped'));
      assert.ok(
        worker.logs.some((line) => line.sdkComponent === 'worker'),
        'SDK logs go through pino',
      );
      assert.deepEqual(worker.stderr, []);
    });

    it('exits 0 on SIGINT as well', async () => {
      const worker = new NodeProcess('worker/main.ts', { ...workerEnv, METRICS_PORT: '' });
      try {
        await worker.waitForLog((line) => line.msg === 'Worker state changed' && line.state === 'RUNNING');
        worker.signal('SIGINT');
        assert.equal(await worker.exited, 0);
      } finally {
        await worker.stop();
      }
    });

    it('exits 1 with one line when a certificate file holds no PEM', async () => {
      const worker = new NodeProcess('worker/main.ts', {
        ...workerEnv,
        BORICA_CA_CERT: join(root, 'package.json'),
      });

      assert.equal(await worker.exited, 1);
      assert.equal(worker.stderr.length, 1);
      assert.match(worker.stderr[0] ?? '', /^Configuration error: TLS ca file .* holds no PEM/);
    });
  });
});

/** The exporter registers metrics as the worker emits them, so the first scrape may be empty. */
async function scrapeUntil(port: number, pattern: RegExp): Promise<string> {
  let body = '';
  for (let attempt = 0; attempt < 100 && !pattern.test(body); attempt++) {
    if (attempt > 0) await sleep(200);
    body = await fetch(`http://127.0.0.1:${port}/metrics`).then(
      (response) => response.text(),
      () => '',
    );
  }
  return body;
}
