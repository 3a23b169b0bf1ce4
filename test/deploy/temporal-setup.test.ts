import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { dirname, resolve } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { temporal } from '@temporalio/proto';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { devServerExecutable, findTemporalCli } from '../../scripts/temporal-binaries';
import { searchAttributes } from '../../workflows/definitions';

const script = resolve(__dirname, '..', '..', 'deploy', 'temporal', 'setup-namespace.sh');
const namespace = 'borica-setup-check';
const cli = findTemporalCli();
const skip = cli ? false : 'the Temporal CLI is not installed: run `npm run temporal:install`';

describe('deploy/temporal/setup-namespace.sh against a Temporal dev server', { skip }, () => {
  let env: TestWorkflowEnvironment;

  before(async () => {
    env = await TestWorkflowEnvironment.createLocal({ server: { executable: devServerExecutable() } });
  });

  after(async () => {
    await env?.teardown();
  });

  it('creates the namespace and its Keyword search attributes, and changes nothing when run again', async () => {
    const first = runScript();
    const second = runScript();

    assert.equal(first.status, 0, first.stderr);
    assert.equal(second.status, 0, second.stderr);
    assert.match(second.stdout, new RegExp(`namespace ${namespace} exists`));
    for (const { name } of searchAttributes)
      assert.match(second.stdout, new RegExp(`search attribute ${name} exists`));

    const { customAttributes } = await env.connection.operatorService.listSearchAttributes({ namespace });
    for (const { name } of searchAttributes) {
      assert.equal(
        customAttributes?.[name],
        temporal.api.enums.v1.IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD,
      );
    }
  });

  function runScript() {
    return spawnSync('sh', [script], {
      encoding: 'utf8',
      env: {
        PATH: `${dirname(cli ?? '')}:${process.env.PATH ?? ''}`,
        HOME: process.env.HOME ?? '/tmp',
        TEMPORAL_ADDRESS: env.address,
        TEMPORAL_NAMESPACE: namespace,
        TEMPORAL_NAMESPACE_RETENTION: '24h',
      },
    });
  }
});
