/**
 * The throughput baseline: a workflow that gives the server the same commands as
 * `mobileIdentificationWorkflow` when the customer has already confirmed (two activities with
 * the same options, three search-attribute upserts, no timer), with activities that do nothing
 * and no payload encryption. Its completions per second are what Temporal alone allows on the
 * machine; the mobile identification's, divided by them, is what the product keeps of it.
 */
import { proxyActivities, upsertSearchAttributes } from '@temporalio/workflow';
import { externalRefAttribute, phaseAttribute, scenarioAttribute } from '../../workflows/definitions';
import type { BaselineActivities } from './activities';

const billable = proxyActivities<BaselineActivities>({
  startToCloseTimeout: '5 minutes',
  retry: { initialInterval: '2 seconds', backoffCoefficient: 2, maximumAttempts: 5 },
});

const polled = proxyActivities<BaselineActivities>({
  startToCloseTimeout: '1 minute',
  scheduleToCloseTimeout: '10 minutes',
  retry: { initialInterval: '1 second', backoffCoefficient: 1, maximumInterval: '1 second' },
});

export async function baselineWorkflow(input: {
  externalRef: string;
}): Promise<{ outcome: 'identified'; identifier: string }> {
  upsertSearchAttributes([
    { key: scenarioAttribute, value: 'mobile-identification' },
    { key: externalRefAttribute, value: input.externalRef },
    { key: phaseAttribute, value: 'requesting' },
  ]);
  const { callbackId } = await billable.requestMobileIdentification(input);

  upsertSearchAttributes([{ key: phaseAttribute, value: 'awaiting-customer' }]);
  const check = await polled.awaitMobileIdentification(callbackId);

  upsertSearchAttributes([{ key: phaseAttribute, value: 'identified' }]);
  return { outcome: 'identified', identifier: check.identifier };
}
