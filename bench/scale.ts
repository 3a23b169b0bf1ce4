/**
 * Scale: M web identifications parked waiting for their callbacks, then every callback fired.
 *
 * 1. Park: start M web identifications (status polls an hour apart, so none fires during the
 *    run) and wait until each has handed out its customer URL.
 * 2. Read the worker's memory while all M are parked.
 * 3. Let every customer finish at the sandbox. The sandbox's callbacks go to a gate that holds
 *    them, so that BORICA's work (making eID certificates) is done before the clock starts.
 * 4. Release the held callbacks to the receiver at a fixed rate (open loop: one every 1/rate s,
 *    whatever the answers), and wait until all M workflows have completed.
 * 5. From each workflow's history: the time its check activity was scheduled after the signal,
 *    minus the time the callback was sent. That is the latency from callback to reaction.
 *
 *   npm run bench:scale -- [--m 10000] [--rate 200] [--park-seconds 540] [--quick]
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { Client } from '@temporalio/client';
import { tsToMs } from '@temporalio/common/lib/time';
import { temporal } from '@temporalio/proto';
import type { HeldCallback, ReleasedCallback } from './support/callback-gate';
import { mib, percentiles, printTable, round, verdict } from './support/report';
import { flags, intFlag, type Measured, pool, runBench } from './support/run';
import { type BenchStack, startBenchStack } from './support/stack';
import type { WorkerMemory, WorkerProcess } from './support/worker-process';

const USAGE =
  'tsx bench/scale.ts [--m M] [--rate R] [--park-seconds S] [--quick|--smoke] [--results-dir DIR] [--label L]';
const TARGET_RSS_BYTES = 1024 ** 3;
const TARGET_P99_MS = 100;
const STATUS_POLL_INTERVAL_MS = 3_600_000;
const EventType = temporal.api.enums.v1.EventType;

const { mode, resultsDir, label, values } = flags(USAGE, {
  m: { type: 'string' },
  rate: { type: 'string' },
  'park-seconds': { type: 'string' },
  concurrency: { type: 'string' },
});
const m = intFlag(values.m, 'm', { full: 10_000, quick: 300, smoke: 5 }, mode);
const rate = intFlag(values.rate, 'rate', { full: 200, quick: 200, smoke: 50 }, mode);
const parkSeconds = intFlag(
  values['park-seconds'],
  'park-seconds',
  { full: 540, quick: 30, smoke: 60 },
  mode,
);
const concurrency = intFlag(values.concurrency, 'concurrency', { full: 64, quick: 64, smoke: 5 }, mode);

interface Parked {
  readonly workflowId: string;
  readonly sessionId: string;
}

async function measure(): Promise<Measured> {
  const stack = await startBenchStack({ name: 'scale', callbacks: 'gate' });
  try {
    const worker = await stack.startWorker('borica');
    const park = await parkAll(stack);
    await sleep(5000);
    const parkedMemory = await worker.memory({ gc: false });
    const parkedMemoryAfterGc = await worker.memory({ gc: true });

    const completeSeconds = await customersFinish(stack, park.parked);
    const released = await releaseAll(stack, park.parked.length);
    const drainSeconds = await waitCompleted(stack.rawClient, park.parked.length, released.firstSentAt);
    const finalMemory = await worker.memory();
    const reactions = await reactionsOf(stack.rawClient, released.byWorkflow);

    return await summarise(stack, {
      park,
      parkedMemory,
      parkedMemoryAfterGc,
      completeSeconds,
      released,
      drainSeconds,
      finalMemory,
      reactions,
      worker,
    });
  } finally {
    await stack.close();
  }
}

/** Starts web identifications until M are parked or the time budget is spent. */
async function parkAll(stack: BenchStack) {
  const parked: Parked[] = [];
  const started = Date.now();
  const budgetEnds = started + parkSeconds * 1000;
  let stoppedBy: 'count' | 'time budget' = 'count';

  await pool(m, concurrency, async (index) => {
    if (Date.now() > budgetEnds) {
      stoppedBy = 'time budget';
      return;
    }
    const flow = await stack.flows.startWebIdentification({
      externalRef: `sc-${index}`,
      reason: 'benchmark',
      successUrl: 'https://relying-party.example/ok',
      cancelUrl: 'https://relying-party.example/cancel',
      statusPollIntervalMs: STATUS_POLL_INTERVAL_MS,
    });
    parked.push({ workflowId: flow.workflowId, sessionId: lastSegment(flow.redirectUrl) });
    if (parked.length % 1000 === 0) console.log(`parked ${parked.length} in ${seconds(started)} s`);
  });

  const parkSecondsTaken = seconds(started);
  console.log(`parked ${parked.length} web identifications in ${parkSecondsTaken} s`);
  return {
    parked,
    seconds: parkSecondsTaken,
    startsPerSecond: round(parked.length / parkSecondsTaken),
    stoppedBy,
  };
}

async function customersFinish(stack: BenchStack, parked: readonly Parked[]): Promise<number> {
  const started = Date.now();
  await pool(parked.length, 8, async (index) => {
    const { sessionId } = parked[index]!;
    await stack.sandbox.control.web(sessionId, 'open');
    await stack.sandbox.control.web(sessionId, 'complete');
  });
  while (uniqueHeld(stack).size < parked.length) await sleep(100);
  console.log(`${parked.length} customers finished at the sandbox in ${seconds(started)} s; callbacks held`);
  return seconds(started);
}

interface Release {
  readonly firstSentAt: number;
  readonly lastAnsweredAt: number;
  readonly byWorkflow: Map<string, ReleasedCallback>;
}

/**
 * One callback per workflow, the first that arrived. Under load the sandbox can time out on an
 * answer from the gate and send a callback again, as BORICA would; those repeats are left out so
 * that every workflow gets exactly one.
 */
function uniqueHeld(stack: BenchStack): Map<string, HeldCallback> {
  const unique = new Map<string, HeldCallback>();
  for (const callback of stack.gate?.held ?? []) {
    if (!unique.has(callback.workflowId)) unique.set(callback.workflowId, callback);
  }
  return unique;
}

/** Open loop: callback i leaves at t0 + i/rate, whether or not earlier ones were answered. */
async function releaseAll(stack: BenchStack, count: number): Promise<Release> {
  const gate = stack.gate!;
  const held: HeldCallback[] = [...uniqueHeld(stack).values()].slice(0, count);
  const byWorkflow = new Map<string, ReleasedCallback>();
  const inFlight: Promise<void>[] = [];
  const t0 = Date.now() + 100;
  let lastAnsweredAt = 0;

  for (const [index, callback] of held.entries()) {
    const wait = t0 + (index * 1000) / rate - Date.now();
    if (wait > 0) await sleep(wait);
    inFlight.push(
      gate.release(callback).then((released) => {
        byWorkflow.set(callback.workflowId, released);
        lastAnsweredAt = Math.max(lastAnsweredAt, released.sentAt + released.latencyMs);
      }),
    );
  }
  await Promise.all(inFlight);
  console.log(`released ${held.length} callbacks at ${rate}/s`);
  return { firstSentAt: t0, lastAnsweredAt, byWorkflow };
}

async function waitCompleted(client: Client, count: number, since: number): Promise<number> {
  const query = 'WorkflowId STARTS_WITH "web-identification:sc-" AND ExecutionStatus != "Running"';
  const deadline = Date.now() + Math.max(600_000, count * 200);
  let lastReport = Date.now();
  for (;;) {
    const { count: closed } = await client.workflow.count(query);
    if (closed >= count) break;
    if (Date.now() > deadline) throw new Error(`only ${closed} of ${count} workflows closed in time`);
    if (Date.now() - lastReport > 30_000) {
      console.log(`${closed} of ${count} completed after ${seconds(since)} s`);
      lastReport = Date.now();
    }
    await sleep(500);
  }
  return seconds(since);
}

interface Reactions {
  /** Callback sent -> check activity scheduled, ms. */
  readonly fromCallback: number[];
  /** Signal recorded -> check activity scheduled, ms (server clock only). */
  readonly fromSignal: number[];
  /** Signal recorded -> workflow completed, ms. */
  readonly toCompletion: number[];
  readonly completed: number;
}

async function reactionsOf(client: Client, released: Map<string, ReleasedCallback>): Promise<Reactions> {
  const reactions: Reactions = { fromCallback: [], fromSignal: [], toCompletion: [], completed: 0 };
  const ids = [...released.keys()];
  let completed = 0;

  await pool(ids.length, 16, async (index) => {
    const workflowId = ids[index]!;
    const history = await client.workflow.getHandle(workflowId).fetchHistory();
    const times = reactionTimes(history.events ?? []);
    if (!times) return;
    reactions.fromCallback.push(times.scheduled - released.get(workflowId)!.sentAt);
    reactions.fromSignal.push(times.scheduled - times.signaled);
    if (times.completed !== undefined) {
      completed += 1;
      reactions.toCompletion.push(times.completed - times.signaled);
    }
  });
  return { ...reactions, completed };
}

function reactionTimes(events: temporal.api.history.v1.IHistoryEvent[]) {
  const signal = events.findIndex(
    (event) => event.eventType === EventType.EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED,
  );
  if (signal < 0) return undefined;
  const scheduled = events
    .slice(signal)
    .find((event) => event.eventType === EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED);
  if (!scheduled) return undefined;
  const completed = events.find(
    (event) => event.eventType === EventType.EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED,
  );

  return {
    signaled: eventMs(events[signal]!),
    scheduled: eventMs(scheduled),
    completed: completed ? eventMs(completed) : undefined,
  };
}

function eventMs(event: temporal.api.history.v1.IHistoryEvent): number {
  return tsToMs(event.eventTime);
}

async function countPhase(client: Client, phase: string): Promise<number> {
  const { count } = await client.workflow.count(
    `WorkflowId STARTS_WITH "web-identification:sc-" AND BoricaPhase = "${phase}"`,
  );
  return count;
}

async function summarise(
  stack: BenchStack,
  run: {
    park: Awaited<ReturnType<typeof parkAll>>;
    parkedMemory: WorkerMemory;
    parkedMemoryAfterGc: WorkerMemory;
    completeSeconds: number;
    released: Release;
    drainSeconds: number;
    finalMemory: WorkerMemory;
    reactions: Reactions;
    worker: WorkerProcess;
  },
): Promise<Measured> {
  const parkedCount = run.park.parked.length;
  const answers = [...run.released.byWorkflow.values()];
  const accepted = answers.filter((answer) => answer.status === 200).length;
  const acceptSeconds = (run.released.lastAnsweredAt - run.released.firstSentAt) / 1000;
  const fromCallback = percentiles(run.reactions.fromCallback);
  const identified = await countPhase(stack.rawClient, 'identified');

  return {
    parameters: {
      m,
      parked: parkedCount,
      rate,
      parkSecondsBudget: parkSeconds,
      startConcurrency: concurrency,
      statusPollIntervalMs: STATUS_POLL_INTERVAL_MS,
    },
    settings: stack.settings,
    figures: {
      park: {
        parked: parkedCount,
        seconds: run.park.seconds,
        startsPerSecond: run.park.startsPerSecond,
        stoppedBy: run.park.stoppedBy,
      },
      workerWhileParked: memoryFigures(run.parkedMemory, run.parkedMemoryAfterGc),
      workerAfterCallbacks: memoryFigures(run.finalMemory),
      customersFinishedSeconds: run.completeSeconds,
      callbacks: {
        offeredPerSecond: rate,
        // Callbacks the sandbox sent again after a slow answer from the gate; not released.
        repeatedBySandbox: (stack.gate?.held.length ?? 0) - uniqueHeld(stack).size,
        sent: answers.length,
        accepted,
        acceptedPerSecond: round(accepted / acceptSeconds),
        httpLatencyMs: percentiles(answers.map((answer) => answer.latencyMs)),
      },
      reactionMs: {
        fromCallbackSent: fromCallback,
        fromSignalRecorded: percentiles(run.reactions.fromSignal),
      },
      completion: {
        completed: run.reactions.completed,
        identified,
        allCompleted: run.reactions.completed === parkedCount && identified === parkedCount,
        secondsFromFirstCallback: run.drainSeconds,
        completionsPerSecond: round(parkedCount / run.drainSeconds),
        signalToCompletionMs: percentiles(run.reactions.toCompletion),
      },
    },
    targets: [
      {
        name: `worker RSS with ${parkedCount} parked`,
        target: '<= 1024 MiB',
        value: mib(run.parkedMemory.rssBytes),
        unit: 'MiB',
        verdict: verdict(run.parkedMemory.rssBytes, TARGET_RSS_BYTES, 'at-most'),
      },
      {
        name: `p99 callback -> reaction at ${rate} callbacks/s`,
        target: `< ${TARGET_P99_MS} ms`,
        value: fromCallback.p99,
        unit: 'ms',
        verdict: fromCallback.p99 < TARGET_P99_MS ? 'met' : 'not met',
      },
    ],
    notes: [
      'Reaction = the ActivityTaskScheduled event of the status check that follows the signal, minus the moment the callback was sent to the receiver (same machine clock).',
      'BORICA-side work (the sandbox making eID certificates) happens before the callbacks are released and is not timed.',
      `The worker process pid was ${run.worker.pid}; RSS is VmRSS from /proc, heap from process.memoryUsage() in the worker.`,
    ],
  };
}

function memoryFigures(memory: WorkerMemory, afterGc?: WorkerMemory) {
  return {
    rssMiB: mib(memory.rssBytes),
    peakRssMiB: mib(memory.peakRssBytes),
    heapUsedMiB: mib(memory.heapUsedBytes),
    heapTotalMiB: mib(memory.heapTotalBytes),
    externalMiB: mib(memory.externalBytes),
    ...(afterGc?.heapUsedAfterGcBytes === undefined
      ? {}
      : { heapUsedAfterGcMiB: mib(afterGc.heapUsedAfterGcBytes) }),
  };
}

function lastSegment(url: string): string {
  return new URL(url).pathname.split('/').filter(Boolean).at(-1) ?? '';
}

function seconds(since: number): number {
  return round((Date.now() - since) / 1000, 1);
}

void runBench('scale', { mode, resultsDir, label }, measure, (result) => {
  const f = result.figures as Record<string, Record<string, unknown>>;
  const park = f.park as { parked: number; seconds: number; startsPerSecond: number; stoppedBy: string };
  const parkedMem = f.workerWhileParked as ReturnType<typeof memoryFigures>;
  const callbacks = f.callbacks as {
    acceptedPerSecond: number;
    accepted: number;
    sent: number;
    httpLatencyMs: { p50: number; p99: number };
  };
  const reaction = f.reactionMs as {
    fromCallbackSent: { p50: number; p95: number; p99: number };
    fromSignalRecorded: { p50: number; p99: number };
  };
  const completion = f.completion as {
    completed: number;
    identified: number;
    allCompleted: boolean;
    secondsFromFirstCallback: number;
    completionsPerSecond: number;
  };
  printTable(`scale (${mode}): ${park.parked} parked web identifications, callbacks at ${rate}/s`, [
    [
      'parked (stopped by)',
      `${park.parked} in ${park.seconds} s, ${park.startsPerSecond}/s (${park.stoppedBy})`,
    ],
    [
      'worker RSS / heap used while parked',
      `${parkedMem.rssMiB} MiB / ${parkedMem.heapUsedMiB} MiB (after GC ${parkedMem.heapUsedAfterGcMiB ?? '-'} MiB)`,
    ],
    ['callbacks accepted', `${callbacks.accepted} of ${callbacks.sent}, ${callbacks.acceptedPerSecond}/s`],
    ['receiver HTTP latency p50 / p99', `${callbacks.httpLatencyMs.p50} / ${callbacks.httpLatencyMs.p99} ms`],
    [
      'callback -> reaction p50 / p95 / p99',
      `${reaction.fromCallbackSent.p50} / ${reaction.fromCallbackSent.p95} / ${reaction.fromCallbackSent.p99} ms`,
    ],
    [
      'signal -> reaction p50 / p99 (server)',
      `${reaction.fromSignalRecorded.p50} / ${reaction.fromSignalRecorded.p99} ms`,
    ],
    [
      'completed / identified',
      `${completion.completed} / ${completion.identified} (all: ${completion.allCompleted})`,
    ],
    ['drain', `${completion.secondsFromFirstCallback} s, ${completion.completionsPerSecond} completions/s`],
  ]);
});
