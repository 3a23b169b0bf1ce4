import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { generateKeySpec } from '../../codec/keys';
import { callbackUrlFor } from '../../common/callback-token';
import { devServerExecutable } from '../../scripts/temporal-binaries';
import { searchAttributes } from '../../workflows/definitions';
import { freePort, NodeProcess } from '../worker/child-process';

const SECRET = 'a-callback-secret-that-is-long-enough-0123456789';

function receiverEnv(temporalAddress: string): NodeJS.ProcessEnv {
  return {
    TEMPORAL_ADDRESS: temporalAddress,
    RECEIVER_PORT: '0',
    CALLBACK_SECRET: SECRET,
    BORICA_RELYING_PARTY_ID: '24102167',
    PAYLOAD_ENCRYPTION_KEYS: generateKeySpec('test'),
  };
}

async function startReceiver(env: NodeJS.ProcessEnv): Promise<{ receiver: NodeProcess; base: string }> {
  const receiver = new NodeProcess('webhook-receiver/main.ts', env);
  const listening = await receiver.waitForLog((line) => line.msg === 'receiver listening');
  return { receiver, base: `http://127.0.0.1:${listening.port}` };
}

describe('the webhook receiver process', () => {
  it('stops with status 1 and one line naming the variable when configuration is missing', async () => {
    const receiver = new NodeProcess('webhook-receiver/main.ts', { CALLBACK_SECRET: 'short' });

    assert.equal(await receiver.exited, 1);
    assert.equal(receiver.stderr.length, 1);
    assert.match(receiver.stderr[0] ?? '', /^Configuration error: CALLBACK_SECRET is invalid: expected /);
    assert.match(receiver.stderr[0] ?? '', /BORICA_RELYING_PARTY_ID is not set/);
    assert.doesNotMatch(receiver.stderr[0] ?? '', /short/);
  });

  it('starts without Temporal and reports itself unhealthy', async () => {
    const { receiver, base } = await startReceiver(receiverEnv(`127.0.0.1:${await freePort()}`));
    try {
      assert.equal((await fetch(`${base}/healthz`)).status, 503);

      receiver.signal('SIGTERM');
      assert.equal(await receiver.exited, 0);
    } finally {
      await receiver.stop();
    }
  });

  describe('with a dev server', () => {
    let env: TestWorkflowEnvironment;

    before(async () => {
      env = await TestWorkflowEnvironment.createLocal({
        server: { executable: devServerExecutable(), searchAttributes },
      });
    });

    after(async () => {
      await env?.teardown();
    });

    it('answers health checks and callbacks, then exits 0 on SIGTERM', async () => {
      const { receiver, base } = await startReceiver(receiverEnv(env.address));
      try {
        assert.equal((await fetch(`${base}/healthz`)).status, 200);

        const url = callbackUrlFor(base, SECRET, 'web-identification:process-test');
        const response = await fetch(url, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({
            code: 'OK',
            requestId: 315,
            relyingPartyId: 24102167,
            data: { processState: 'ON_BOARDING', sessionId: 'a-session', resultId: '95' },
          }),
        });
        assert.equal(response.status, 404);

        receiver.signal('SIGTERM');
        assert.equal(await receiver.exited, 0);
      } finally {
        await receiver.stop();
      }

      const messages = receiver.logs.map((line) => line.msg);
      assert.deepEqual(
        messages.filter((msg) => msg !== 'callback handled'),
        ['receiver listening', 'receiver stopping', 'receiver stopped'],
      );
    });
  });
});
