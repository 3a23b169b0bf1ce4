import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it, mock } from 'node:test';
import { MockActivityEnvironment } from '@temporalio/testing';
import { heartbeating } from '../../activities/heartbeat';
import { HEARTBEAT_INTERVAL_MS } from '../../workflows/heartbeats';

/** An activity that runs until the test lets it finish. */
function heldActivity() {
  let finish: (value: string) => void = () => {};
  const finished = new Promise<string>((resolve) => {
    finish = resolve;
  });
  return { activities: heartbeating({ held: () => finished }), finish };
}

/** A mock activity environment that records every heartbeat's details. */
function recordingEnvironment(info?: ConstructorParameters<typeof MockActivityEnvironment>[0]) {
  const env = new MockActivityEnvironment(info);
  const beats: unknown[] = [];
  env.on('heartbeat', (details: unknown) => beats.push(details));
  return { env, beats };
}

describe('heartbeating', () => {
  beforeEach(() => mock.timers.enable({ apis: ['setInterval'] }));
  afterEach(() => mock.timers.reset());

  it('beats every interval with the details the attempt started with, and stops when the activity ends', async () => {
    const { env, beats } = recordingEnvironment({ attempt: 2, heartbeatDetails: { notReceived: 1 } });
    const { activities, finish } = heldActivity();

    const running = env.run(activities.held);
    await new Promise(setImmediate);
    mock.timers.tick(HEARTBEAT_INTERVAL_MS * 3);
    finish('done');

    assert.equal(await running, 'done');
    mock.timers.tick(HEARTBEAT_INTERVAL_MS * 3);
    assert.deepEqual(beats, [{ notReceived: 1 }, { notReceived: 1 }, { notReceived: 1 }]);
  });

  it('does not beat for an activity that ends within an interval', async () => {
    const { env, beats } = recordingEnvironment();

    const result = await env.run(heartbeating({ quick: async () => 'done' }).quick);

    mock.timers.tick(HEARTBEAT_INTERVAL_MS * 3);
    assert.equal(result, 'done');
    assert.deepEqual(beats, []);
  });

  it('stops beating when the activity fails', async () => {
    const { env, beats } = recordingEnvironment();
    const failing = heartbeating({
      failing: async () => {
        throw new Error('BORICA is down');
      },
    });

    await assert.rejects(env.run(failing.failing), /BORICA is down/);
    mock.timers.tick(HEARTBEAT_INTERVAL_MS * 3);
    assert.deepEqual(beats, []);
  });
});
