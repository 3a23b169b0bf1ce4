import { setTimeout as sleep } from 'node:timers/promises';
import { type Client, WorkflowNotFoundError } from '@temporalio/client';
import type { Logger } from '../common/logger';
import { boricaCallbackSignal, type CallbackHint, resultIdAttribute } from '../workflows/definitions';

/** What became of a callback handed to a workflow. */
export type Delivery = 'delivered' | 'not-found';

/** Where accepted callbacks go; Temporal in production, an in-memory fake in tests. */
export interface CallbackSink {
  /** Signals the workflow; `not-found` when it does not exist or has closed. */
  deliver(workflowId: string, hint: CallbackHint): Promise<Delivery>;
  /** The running workflow whose `BoricaResultId` is `resultId`, if any. */
  findSigningWorkflow(resultId: string): Promise<string | undefined>;
  /** Whether the sink can take callbacks now. */
  ready(): Promise<boolean>;
}

export interface TemporalSinkOptions {
  /** Logs why {@link CallbackSink.ready} said no. */
  readonly logger?: Logger;
  /** Visibility lags behind a search attribute update; the lookup is tried this often. Default 3. */
  readonly lookupAttempts?: number;
  readonly lookupDelayMs?: number;
  readonly readyTimeoutMs?: number;
}

/** A {@link CallbackSink} that signals workflows through a Temporal client. */
export function createTemporalSink(client: Client, options: TemporalSinkOptions = {}): CallbackSink {
  const { logger, lookupAttempts = 3, lookupDelayMs = 500, readyTimeoutMs = 2000 } = options;

  return {
    async deliver(workflowId, hint) {
      try {
        await client.workflow.getHandle(workflowId).signal(boricaCallbackSignal, hint);
        return 'delivered';
      } catch (error) {
        // The server answers NOT_FOUND for closed workflows as well as for unknown ones.
        if (error instanceof WorkflowNotFoundError) return 'not-found';
        throw error;
      }
    },

    async findSigningWorkflow(resultId) {
      const query = `${resultIdAttribute.name} = ${quote(resultId)} AND ExecutionStatus = "Running"`;
      for (let attempt = 1; attempt <= lookupAttempts; attempt++) {
        const found = await firstWorkflowId(client, query);
        if (found !== undefined || attempt === lookupAttempts) return found;
        await sleep(lookupDelayMs);
      }
      return undefined;
    },

    async ready() {
      const deadline = Date.now() + readyTimeoutMs;
      try {
        await client.connection.withDeadline(deadline, () =>
          client.workflowService.describeNamespace({ namespace: client.options.namespace }),
        );
        return true;
      } catch (error) {
        logger?.warn({ err: error }, 'Temporal is not answering');
        return false;
      }
    },
  };
}

async function firstWorkflowId(client: Client, query: string): Promise<string | undefined> {
  for await (const execution of client.workflow.list({ query, pageSize: 1 })) return execution.workflowId;
  return undefined;
}

/** A string literal of the visibility query language. */
function quote(value: string): string {
  return `"${value.replace(/["\\]/g, '\\$&')}"`;
}
