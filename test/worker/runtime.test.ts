import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { LogTimestamp } from '@temporalio/worker';
import { createLogger } from '../../common/logger';
import { PinoTemporalLogger } from '../../worker/runtime';

function capture() {
  const lines: Record<string, unknown>[] = [];
  const destination = { write: (line: string) => lines.push(JSON.parse(line)) };
  return { lines, logger: new PinoTemporalLogger(createLogger('worker', destination)) };
}

describe('the Temporal logger adapter', () => {
  it('writes SDK log calls as JSON lines at the matching level, with their attributes', () => {
    const { lines, logger } = capture();

    logger.warn('Activity failed', { activityType: 'startSignSession', workflowId: 'otc-signing:ref-1' });
    logger.log('INFO', 'Worker state changed', { state: 'RUNNING', sdkComponent: 'worker' });

    assert.deepEqual(
      lines.map(({ level, msg, activityType, state }) => ({ level, msg, activityType, state })),
      [
        { level: 'warn', msg: 'Activity failed', activityType: 'startSignSession', state: undefined },
        { level: 'info', msg: 'Worker state changed', activityType: undefined, state: 'RUNNING' },
      ],
    );
    assert.equal(lines[0]?.component, 'worker');
  });

  it('serialises an error passed as `error` with its type and message', () => {
    const { lines, logger } = capture();

    logger.error('Workflow task failed', { error: new TypeError('no such activity') });

    const err = lines[0]?.err as { type: string; message: string } | undefined;
    assert.equal(err?.type, 'TypeError');
    assert.equal(err?.message, 'no such activity');
  });

  it('drops the SDK-internal timestamp and still removes personal attributes', () => {
    const { lines, logger } = capture();

    logger.info('Activity started', { [LogTimestamp]: 1n, email: 'ivan@example.com', activityId: '1' });

    assert.equal(lines.length, 1);
    assert.equal(lines[0]?.activityId, '1');
    assert.equal('email' in (lines[0] ?? {}), false);
  });

  it('drops calls below the configured level', () => {
    const lines: string[] = [];
    const pino = createLogger('worker', { write: (line: string) => lines.push(line) });
    pino.level = 'warn';
    const logger = new PinoTemporalLogger(pino);

    logger.debug('Polling');
    logger.info('Worker state changed');

    assert.deepEqual(lines, []);
  });
});
