/**
 * Receiver overhead: what handling a callback through the receiver (HTTP POST, token check, body
 * validation, signal) costs against a bare `client.workflow.signal` to the same workflows.
 * Samples are taken one at a time, in pairs whose order alternates, so that both paths see the
 * same background work (each signal makes its workflow check the status once).
 *
 *   npm run bench:receiver-overhead -- [--workflows 100] [--pairs 1000] [--quick]
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { callbackUrlFor } from '../common/callback-token';
import { boricaCallbackSignal, type CallbackHint } from '../workflows/definitions';
import { percentiles, printTable, round } from './support/report';
import { flags, intFlag, type Measured, pool, runBench } from './support/run';
import { type BenchStack, startBenchStack } from './support/stack';

const USAGE =
  'tsx bench/receiver-overhead.ts [--workflows K] [--pairs P] [--quick|--smoke] [--results-dir DIR] [--label L]';

const { mode, resultsDir, label, values } = flags(USAGE, {
  workflows: { type: 'string' },
  pairs: { type: 'string' },
});
const workflows = intFlag(values.workflows, 'workflows', { full: 100, quick: 40, smoke: 3 }, mode);
const pairs = intFlag(values.pairs, 'pairs', { full: 1000, quick: 300, smoke: 6 }, mode);
const warmupPairs = { full: 50, quick: 20, smoke: 1 }[mode];
const GAP_MS = 5;

async function measure(): Promise<Measured> {
  const stack = await startBenchStack({ name: 'receiver-overhead' });
  try {
    await stack.startWorker('borica');
    const ids = await park(stack);
    await sleep(2000);

    await samplePairs(stack, ids, warmupPairs);
    const samples = await samplePairs(stack, ids, pairs);
    return summarise(stack, samples);
  } finally {
    await stack.close();
  }
}

async function park(stack: BenchStack): Promise<string[]> {
  const ids: string[] = [];
  await pool(workflows, 20, async (index) => {
    const flow = await stack.flows.startWebIdentification({
      externalRef: `ro-${index}`,
      reason: 'benchmark',
      successUrl: 'https://relying-party.example/ok',
      cancelUrl: 'https://relying-party.example/cancel',
      statusPollIntervalMs: 3_600_000,
    });
    ids.push(flow.workflowId);
  });
  return ids;
}

interface Samples {
  readonly receiver: number[];
  readonly bare: number[];
}

async function samplePairs(stack: BenchStack, ids: readonly string[], count: number): Promise<Samples> {
  const samples: Samples = { receiver: [], bare: [] };
  for (let index = 0; index < count; index += 1) {
    const workflowId = ids[index % ids.length]!;
    const order = index % 2 === 0 ? (['bare', 'receiver'] as const) : (['receiver', 'bare'] as const);
    for (const path of order) {
      samples[path].push(
        path === 'bare' ? await bareSignal(stack, workflowId) : await throughReceiver(stack, workflowId),
      );
      await sleep(GAP_MS);
    }
  }
  return samples;
}

/** A callback as the sandbox sends it while the customer is still in the video call. */
function callbackBody(stack: BenchStack, index: number): string {
  return JSON.stringify({
    code: 'OK',
    message: 'The request has been executed successfully.',
    requestId: 1000 + index,
    relyingPartyId: Number(stack.sandbox.relyingPartyId),
    data: {
      processState: 'IN_PROGRESS',
      sessionId: `session-${index}`,
      resultId: String(2000 + index),
      dataMessage: '',
    },
  });
}

let sent = 0;

async function throughReceiver(stack: BenchStack, workflowId: string): Promise<number> {
  const url = callbackUrlFor(stack.receiverUrl, stack.secret, workflowId);
  const body = callbackBody(stack, sent++);
  const started = performance.now();
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body,
  });
  await response.arrayBuffer();
  const elapsed = performance.now() - started;
  if (response.status !== 200) throw new Error(`the receiver answered ${response.status} for ${workflowId}`);
  return elapsed;
}

async function bareSignal(stack: BenchStack, workflowId: string): Promise<number> {
  const index = sent++;
  const hint: CallbackHint = {
    processState: 'IN_PROGRESS',
    sessionId: `session-${index}`,
    resultId: String(2000 + index),
    requestId: String(1000 + index),
  };
  const started = performance.now();
  await stack.client.workflow.getHandle(workflowId).signal(boricaCallbackSignal, hint);
  return performance.now() - started;
}

function summarise(stack: BenchStack, samples: Samples): Measured {
  const receiver = percentiles(samples.receiver);
  const bare = percentiles(samples.bare);
  return {
    parameters: { workflows, pairs, warmupPairs, gapMs: GAP_MS },
    settings: stack.settings,
    figures: {
      receiverMs: receiver,
      bareSignalMs: bare,
      ratio: { p50: round(receiver.p50 / bare.p50, 3), p99: round(receiver.p99 / bare.p99, 3) },
      addedMs: { p50: round(receiver.p50 - bare.p50), p99: round(receiver.p99 - bare.p99) },
    },
    targets: [],
    notes: [
      'Receiver: POST from this process to webhook-receiver/main.ts in its own process, timed until the answer was read. Bare: client.workflow.signal from this process with the same encrypting data converter.',
      'Both paths signal the same parked web identifications; each signal makes its workflow check the status once at the sandbox.',
    ],
  };
}

void runBench('receiver-overhead', { mode, resultsDir, label }, measure, (result) => {
  const f = result.figures as {
    receiverMs: ReturnType<typeof percentiles>;
    bareSignalMs: ReturnType<typeof percentiles>;
    ratio: { p50: number; p99: number };
    addedMs: { p50: number; p99: number };
  };
  printTable(`receiver overhead (${mode}): ${pairs} pairs over ${workflows} parked workflows`, [
    ['through the receiver p50 / p99', `${f.receiverMs.p50} / ${f.receiverMs.p99} ms`],
    ['bare signal p50 / p99', `${f.bareSignalMs.p50} / ${f.bareSignalMs.p99} ms`],
    ['ratio p50 / p99', `${f.ratio.p50} / ${f.ratio.p99}`],
    ['added p50 / p99', `${f.addedMs.p50} / ${f.addedMs.p99} ms`],
  ]);
});
