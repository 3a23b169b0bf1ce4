import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { WorkflowFailedError } from '@temporalio/client';
import { CancelledFailure } from '@temporalio/common';
import {
  type MobileIdentificationInput,
  phaseAttribute,
  statusQuery,
  workflowIdFor,
} from '../../workflows/definitions';
import { CERTIFICATE, HOUR } from './fake-borica';
import { Harness, until } from './harness';

const harness = new Harness();

function input(overrides: Partial<MobileIdentificationInput> = {}): MobileIdentificationInput {
  return {
    externalRef: `loan-${randomUUID()}`,
    person: { docType: 'EGN', identificatorValue: '7805166742', dateOfBirth: '16-05-1978' },
    phoneNumber: '+359888133443',
    email: 'customer@example.test',
    reason: 'Consumer loan application',
    ...overrides,
  };
}

describe('mobileIdentificationWorkflow', () => {
  before(() => harness.setUp());
  after(() => harness.tearDown());

  it('returns the eID identifier and stores the certificate once the customer confirms', () =>
    harness.run(async ({ env, start, fake, documents, taskQueue }) => {
      const args = input();
      const handle = await start('mobileIdentificationWorkflow', {
        taskQueue,
        workflowId: workflowIdFor('mobile-identification', args.externalRef),
        args: [args],
      });
      await until(handle, (status) => status.phase === 'awaiting-customer');
      const mobile = [...fake.mobiles.values()][0];
      assert.ok(mobile);
      mobile.finishAt = (await env.currentTimeMs()) + 30_000;

      const result = await handle.result();

      assert.equal(result.outcome, 'identified');
      assert.equal(result.identifier, `eid-${mobile.callbackId}`);
      assert.equal(result.organisation, 'BORICA');
      assert.deepEqual(await documents.get(result.certificate), CERTIFICATE);
      assert.equal(fake.count('identify'), 1);
      const status = await handle.query(statusQuery);
      assert.equal(status.phase, 'identified');
      assert.equal(status.boricaStatus, 'FINISHED');
    }));

  it('returns BORICA’s code and message when the identification is rejected', () =>
    harness.run(async ({ start, fake, taskQueue }) => {
      const args = input();
      const handle = await start('mobileIdentificationWorkflow', {
        taskQueue,
        workflowId: workflowIdFor('mobile-identification', args.externalRef),
        args: [args],
      });
      await until(handle, (status) => status.phase === 'awaiting-customer');
      const mobile = [...fake.mobiles.values()][0];
      assert.ok(mobile);
      mobile.outcome = 'rejected';

      const result = await handle.result();

      assert.deepEqual(result, {
        outcome: 'rejected',
        code: 'REJECTED',
        message: 'The request is rejected.',
      });
    }));

  it('expires at the end of a validity of hours, after one last check, with a bounded history', () =>
    harness.run(async ({ start, fake, taskQueue }) => {
      fake.mobileValidityMs = 6 * HOUR;
      const args = input({ pollIntervalMs: 60_000 });
      const handle = await start('mobileIdentificationWorkflow', {
        taskQueue,
        workflowId: workflowIdFor('mobile-identification', args.externalRef),
        args: [args],
      });

      const result = await handle.result();

      const mobile = [...fake.mobiles.values()][0];
      assert.ok(mobile);
      assert.equal(result.outcome, 'expired');
      const lastCheck = fake.calls.filter((call) => call.operation === 'getIdentificationResult').at(-1);
      assert.ok(lastCheck && lastCheck.at >= mobile.validity, 'the status was checked at the deadline');
      const history = await handle.fetchHistory();
      assert.ok((history.events?.length ?? 0) < 40, 'polls leave no trace in history');
      const description = await handle.describe();
      assert.deepEqual(description.typedSearchAttributes.get(phaseAttribute), 'expired');
    }));

  it('identifies a customer who confirmed just before the deadline, found by the last check', () =>
    harness.run(async ({ start, fake, taskQueue }) => {
      const args = input({ pollIntervalMs: 10 * 60_000 });
      const handle = await start('mobileIdentificationWorkflow', {
        taskQueue,
        workflowId: workflowIdFor('mobile-identification', args.externalRef),
        args: [args],
      });
      await until(handle, (status) => status.phase === 'awaiting-customer');
      const mobile = [...fake.mobiles.values()][0];
      assert.ok(mobile);
      mobile.finishAt = mobile.validity - 1;

      const result = await handle.result();

      assert.equal(result.outcome, 'identified');
    }));

  it('closes as cancelled, in phase cancelled, when the business service cancels it', () =>
    harness.run(
      async ({ start, taskQueue }) => {
        const args = input();
        const handle = await start('mobileIdentificationWorkflow', {
          taskQueue,
          workflowId: workflowIdFor('mobile-identification', args.externalRef),
          args: [args],
        });
        await until(handle, (status) => status.phase === 'awaiting-customer');

        await handle.cancel();

        await assert.rejects(handle.result(), (error: unknown) => {
          assert.ok(error instanceof WorkflowFailedError);
          assert.ok(error.cause instanceof CancelledFailure);
          return true;
        });
        assert.equal((await handle.describe()).status.name, 'CANCELLED');
        assert.equal((await handle.query(statusQuery)).phase, 'cancelled');
      },
      { cancels: true },
    ));
});
