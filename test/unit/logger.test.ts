import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { NodeProcess } from '../worker/child-process';

describe('createLogger', () => {
  it('keeps every line, in order, when the process exits right after logging', async () => {
    const script = new NodeProcess('test/unit/fixtures/log-then-exit.ts', {});

    assert.equal(await script.exited, 0);
    assert.deepEqual(
      script.logs.map((line) => line.msg),
      ['first', 'second'],
    );
  });
});
