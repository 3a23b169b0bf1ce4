/**
 * Driving flows through the whole stack: finding what the customer needs, waiting on
 * workflows while no worker runs, and counting what BORICA billed.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { BillableOperation } from '../../sandbox/billing';
import { type Phase, resultIdAttribute } from '../../workflows/definitions';
import { hasActivityInFlight } from './history';
import type { Stack } from './stack';

/**
 * The `callbackId` BORICA gave a mobile identification, read from the worker's log line
 * `mobile identification requested` (the customer needs it to answer in the sandbox).
 */
export async function mobileCallbackId(
  stack: Stack,
  workflowId: string,
  timeoutMs = 30_000,
): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    for (const line of stack.worker.logs) {
      const entry = parseLine(line);
      if (entry?.msg === 'mobile identification requested' && entry.workflowId === workflowId) {
        return String(entry.callbackId);
      }
    }
    await sleep(100);
  }
  throw new Error(`no "mobile identification requested" line for ${workflowId} in the worker's log`);
}

/** Waits until visibility shows the phase; works while no worker runs, unlike the status query. */
export async function waitForVisiblePhase(
  stack: Stack,
  workflowId: string,
  phase: Phase,
  timeoutMs = 60_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last: Phase | undefined;
  while (Date.now() < deadline) {
    last = (await stack.flows.describe(workflowId)).phase;
    if (last === phase) return;
    await sleep(100);
  }
  throw new Error(`${workflowId} did not show phase ${phase} in ${timeoutMs} ms; last ${last}`);
}

/**
 * SIGKILLs the worker at a moment when none of the workflow's activities runs on it. An attempt
 * lost with its worker is retried only after its start-to-close timeout (minutes), which would
 * stall the test without proving anything more.
 */
export async function killWorkerBetweenActivities(stack: Stack, workflowId: string): Promise<void> {
  while (await hasActivityInFlight(stack.rawClient, workflowId)) await sleep(20);
  await stack.worker.kill();
}

/**
 * Tells the server that the worker holding the workflow in its cache is gone, as it finds out
 * by itself once a task has waited the sticky schedule-to-start timeout (10 s) on that worker's
 * queue. It changes when the next task reaches a live worker, not whether: tests use it to
 * spare the wait after a SIGKILL.
 */
export async function forgetDeadWorker(stack: Stack, workflowId: string): Promise<void> {
  await stack.rawClient.workflowService.resetStickyTaskQueue({
    namespace: stack.rawClient.options.namespace,
    execution: { workflowId },
  });
}

/** BORICA's `resultId` the workflow waits on, from its `BoricaResultId` search attribute. */
export async function resultIdOf(stack: Stack, workflowId: string): Promise<string> {
  const description = await stack.rawClient.workflow.getHandle(workflowId).describe();
  const resultId = description.typedSearchAttributes.get(resultIdAttribute);
  if (resultId === undefined) throw new Error(`${workflowId} has no ${resultIdAttribute.name} yet`);
  return resultId;
}

/** One flow's billable POSTs at the sandbox, as the sandbox README keys them. */
export interface BillableCount {
  readonly flow: string;
  readonly operation: BillableOperation;
  readonly expected: number;
  readonly received: number;
}

/** Counts the billable POSTs whose key is one of `keys`. */
export function countBillable(
  stack: Stack,
  flow: string,
  operation: BillableOperation,
  keys: readonly string[],
  expected: number,
): BillableCount {
  const received = stack.sandbox.control
    .requests()
    .filter((request) => request.operation === operation && keys.includes(request.key)).length;
  return { flow, operation, expected, received };
}

/** The key of a web session start: the callback URL without its token. */
export function webSessionKey(stack: Stack, workflowId: string): string {
  return `${stack.receiverUrl}/callbacks/${encodeURIComponent(workflowId)}`;
}

/** Prints the counts so that the figures appear in the test output. */
export function printBillableTable(title: string, counts: readonly BillableCount[]): void {
  const rows = counts.map((count) => ({
    flow: count.flow,
    operation: count.operation,
    expected: count.expected,
    received: count.received,
  }));
  console.log(`\n${title}`);
  console.table(rows);
}

function parseLine(line: string): Record<string, unknown> | undefined {
  try {
    return JSON.parse(line) as Record<string, unknown>;
  } catch {
    return undefined;
  }
}
