/**
 * What the Temporal server stores, read without the codec: workflow histories and
 * descriptions as the bytes an operator (or an attacker with database access) would see.
 */
import type { Client } from '@temporalio/client';
import type { Payload } from '@temporalio/common';
import { temporal } from '@temporalio/proto';

export interface Execution {
  readonly workflowId: string;
  readonly runId: string;
}

type HistoryEvent = temporal.api.history.v1.IHistoryEvent;

const { EventType, PendingActivityState } = temporal.api.enums.v1;

/** Every run in the namespace that visibility knows of, closed ones included. */
export async function listExecutions(client: Client, query?: string): Promise<Execution[]> {
  const runs: Execution[] = [];
  for await (const execution of client.workflow.list(query === undefined ? {} : { query })) {
    runs.push({ workflowId: execution.workflowId, runId: execution.runId });
  }
  return runs;
}

/** The events of one run (the latest run of the id when `runId` is left out), every page. */
export async function historyEvents(client: Client, execution: Partial<Execution>): Promise<HistoryEvent[]> {
  const events: HistoryEvent[] = [];
  let nextPageToken: Uint8Array | undefined;
  do {
    const page = await client.workflowService.getWorkflowExecutionHistory({
      namespace: client.options.namespace,
      execution,
      maximumPageSize: 1000,
      ...(nextPageToken ? { nextPageToken } : {}),
    });
    events.push(...(page.history?.events ?? []));
    nextPageToken = page.nextPageToken?.length ? page.nextPageToken : undefined;
  } while (nextPageToken);
  return events;
}

/** One run's history serialised as the server keeps it: protobuf bytes, payloads as stored. */
export async function rawHistory(client: Client, execution: Execution): Promise<Buffer> {
  const events = await historyEvents(client, execution);
  return Buffer.from(temporal.api.history.v1.History.encode({ events }).finish());
}

/**
 * The server's whole description of a run, serialised: search attributes, memo, pending
 * activities with their last failure, and the rest.
 */
export async function rawDescription(client: Client, execution: Execution): Promise<Buffer> {
  const description = await client.workflowService.describeWorkflowExecution({
    namespace: client.options.namespace,
    execution,
  });
  return Buffer.from(
    temporal.api.workflowservice.v1.DescribeWorkflowExecutionResponse.encode(description).finish(),
  );
}

/** How many signals the workflow's latest run received. */
export async function signalsReceived(client: Client, workflowId: string): Promise<number> {
  const events = await historyEvents(client, { workflowId });
  return events.filter((event) => event.eventType === EventType.EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED)
    .length;
}

/** The input payloads of the run's first event, still as stored (encrypted if a codec was used). */
export async function startInput(client: Client, execution: Partial<Execution>): Promise<Payload[]> {
  const [first] = await historyEvents(client, execution);
  return (first?.workflowExecutionStartedEventAttributes?.input?.payloads ?? []) as Payload[];
}

/** The types of the run's activities running on a worker now (not merely scheduled or backing off). */
export async function activitiesInFlight(client: Client, workflowId: string): Promise<string[]> {
  const description = await client.workflowService.describeWorkflowExecution({
    namespace: client.options.namespace,
    execution: { workflowId },
  });
  return (description.pendingActivities ?? [])
    .filter((activity) => activity.state === PendingActivityState.PENDING_ACTIVITY_STATE_STARTED)
    .map((activity) => activity.activityType?.name ?? '');
}

/** Whether an activity of the run is running on a worker now (not merely scheduled or backing off). */
export async function hasActivityInFlight(client: Client, workflowId: string): Promise<boolean> {
  return (await activitiesInFlight(client, workflowId)).length > 0;
}

/**
 * The started event of each completed activity of the given type, in the latest run of the
 * workflow: it carries the attempt that succeeded and the failure of the attempt before it.
 */
export async function completedActivityStarts(
  client: Client,
  workflowId: string,
  activityType: string,
): Promise<temporal.api.history.v1.IActivityTaskStartedEventAttributes[]> {
  const events = await historyEvents(client, { workflowId });
  const byId = new Map(events.map((event) => [String(event.eventId), event]));
  return events.flatMap((event) => {
    const completed = event.activityTaskCompletedEventAttributes;
    if (!completed) return [];
    const scheduled = byId.get(String(completed.scheduledEventId))?.activityTaskScheduledEventAttributes;
    const started = byId.get(String(completed.startedEventId))?.activityTaskStartedEventAttributes;
    return scheduled?.activityType?.name === activityType && started ? [started] : [];
  });
}

/** The highest attempt number among the run's pending activities; above 1 means one failed. */
export async function highestPendingAttempt(client: Client, workflowId: string): Promise<number> {
  const description = await client.workflowService.describeWorkflowExecution({
    namespace: client.options.namespace,
    execution: { workflowId },
  });
  return Math.max(0, ...(description.pendingActivities ?? []).map((activity) => activity.attempt ?? 0));
}
