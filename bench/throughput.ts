/**
 * Throughput: N B-Trust MOBILE identifications end to end against the sandbox (the customer
 * confirms at once), against N runs of the baseline workflow (same commands, activities that do
 * nothing, no encryption) on the same dev server in the same run. Rounds alternate which goes
 * first, so that a slow minute on a shared machine does not fall on one side only.
 *
 *   npm run bench:throughput -- [--n 1000] [--rounds 2] [--concurrency 100] [--quick]
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { Client } from '@temporalio/client';
import type { BoricaFlows } from '../client';
import { cpuDuring } from './support/cpu';
import { percentiles, printTable, round, verdict } from './support/report';
import { flags, intFlag, type Measured, pool, runBench } from './support/run';
import { type BenchStack, startBenchStack } from './support/stack';
import type { WorkerKind, WorkerProcess } from './support/worker-process';

const USAGE =
  'tsx bench/throughput.ts [--n N] [--rounds R] [--concurrency C] [--quick|--smoke] [--results-dir DIR] [--label L]';
const TARGET_RATIO = 0.8;

const { mode, resultsDir, label, values } = flags(USAGE, {
  n: { type: 'string' },
  rounds: { type: 'string' },
  concurrency: { type: 'string' },
});
const n = intFlag(values.n, 'n', { full: 1000, quick: 150, smoke: 5 }, mode);
const rounds = intFlag(values.rounds, 'rounds', { full: 4, quick: 1, smoke: 1 }, mode);
const concurrency = intFlag(values.concurrency, 'concurrency', { full: 100, quick: 100, smoke: 5 }, mode);
const warmup = { full: 50, quick: 20, smoke: 2 }[mode];

interface Batch {
  readonly kind: WorkerKind;
  readonly round: number;
  readonly workflows: number;
  readonly seconds: number;
  readonly completionsPerSecond: number;
  /** Start to close of each workflow, in ms. */
  readonly latencyMs: ReturnType<typeof percentiles>;
  /** CPU milliseconds per workflow of the dev server, the worker and this process (client and sandbox). */
  readonly cpuMsPerWorkflow: Record<string, number>;
}

async function measure(): Promise<Measured> {
  const stack = await startBenchStack({
    name: 'throughput',
    sandbox: { autopilot: { mobile: { outcome: 'complete', afterMs: 0 } } },
  });
  try {
    const workers = {
      borica: await stack.startWorker('borica'),
      baseline: await stack.startWorker('baseline'),
    };
    for (const kind of ['baseline', 'borica'] as const) await runBatch(stack, kind, `warmup-${kind}`, warmup);

    const batches: Batch[] = [];
    for (let roundNumber = 1; roundNumber <= rounds; roundNumber += 1) {
      const order: WorkerKind[] = roundNumber % 2 === 1 ? ['baseline', 'borica'] : ['borica', 'baseline'];
      for (const kind of order) batches.push(await measured(stack, workers[kind], roundNumber));
    }
    return await summarise(stack, batches);
  } finally {
    await stack.close();
  }
}

async function measured(stack: BenchStack, worker: WorkerProcess, roundNumber: number): Promise<Batch> {
  const { kind } = worker;
  const pids = { server: stack.server.pid, worker: worker.pid, benchmarkAndSandbox: process.pid };
  const { result, cpuSeconds } = await cpuDuring(pids, () =>
    runBatch(stack, kind, `r${roundNumber}-${kind}`, n),
  );
  const { seconds, latencies } = result;
  const batch = {
    kind,
    round: roundNumber,
    workflows: n,
    seconds: round3(seconds),
    completionsPerSecond: round(n / seconds),
    latencyMs: percentiles(latencies),
    cpuMsPerWorkflow: Object.fromEntries(
      Object.entries(cpuSeconds).map(([name, used]) => [name, round((used * 1000) / n)]),
    ),
  };
  console.log(
    `round ${roundNumber} ${kind}: ${batch.completionsPerSecond} completions/s (${batch.seconds} s)`,
  );
  return batch;
}

/** Starts `count` workflows, waits for all to close, and reads their times from visibility. */
async function runBatch(stack: BenchStack, kind: WorkerKind, batch: string, count: number) {
  const prefix = `tp-${batch}-`;
  await pool(count, concurrency, (index) => start(stack, kind, `${prefix}${index}`));

  const query = `WorkflowId STARTS_WITH "${workflowIdPrefix(kind)}${prefix}" AND ExecutionStatus != "Running"`;
  await waitForCount(stack.rawClient, query, count);
  return timesOf(stack.rawClient, query, count);
}

function workflowIdPrefix(kind: WorkerKind): string {
  return kind === 'borica' ? 'mobile-identification:' : 'baseline:';
}

async function start(stack: BenchStack, kind: WorkerKind, externalRef: string): Promise<void> {
  if (kind === 'borica') {
    await startMobile(stack.flows, externalRef);
    return;
  }
  await stack.rawClient.workflow.start('baselineWorkflow', {
    taskQueue: stack.taskQueue.baseline,
    workflowId: `baseline:${externalRef}`,
    args: [{ externalRef, ...MOBILE_REQUEST }],
  });
}

const MOBILE_REQUEST = {
  person: { docType: 'EGN', identificatorValue: '7805166742', dateOfBirth: '16-05-1978' },
  phoneNumber: '+359888133443',
  email: 'customer@example.com',
  reason: 'benchmark',
  pollIntervalMs: 1000,
} as const;

async function startMobile(flows: BoricaFlows, externalRef: string): Promise<void> {
  await flows.startMobileIdentification({ externalRef, ...MOBILE_REQUEST });
}

async function waitForCount(client: Client, query: string, count: number): Promise<void> {
  const deadline = Date.now() + Math.max(300_000, count * 1000);
  for (;;) {
    const { count: closed } = await client.workflow.count(query);
    if (closed >= count) return;
    if (Date.now() > deadline) throw new Error(`only ${closed} of ${count} workflows closed in time`);
    await sleep(250);
  }
}

/** Batch time = first start to last close, both as the server recorded them. */
async function timesOf(client: Client, query: string, count: number) {
  let firstStart = Number.POSITIVE_INFINITY;
  let lastClose = 0;
  const latencies: number[] = [];
  let failed = 0;

  for await (const execution of client.workflow.list({ query, pageSize: 1000 })) {
    const startMs = execution.startTime.getTime();
    const closeMs = execution.closeTime?.getTime() ?? startMs;
    firstStart = Math.min(firstStart, startMs);
    lastClose = Math.max(lastClose, closeMs);
    latencies.push(closeMs - startMs);
    if (execution.status.name !== 'COMPLETED') failed += 1;
  }
  if (latencies.length !== count || failed > 0) {
    throw new Error(`${failed} of ${latencies.length} workflows did not complete (expected ${count})`);
  }
  return { seconds: (lastClose - firstStart) / 1000, latencies };
}

/** Every identification must have ended identified, not merely closed. */
async function checkOutcomes(stack: BenchStack, batches: readonly Batch[]): Promise<number> {
  let identified = 0;
  for (const batch of batches.filter((entry) => entry.kind === 'borica')) {
    await pool(batch.workflows, 50, async (index) => {
      const result = await stack.flows.result(`mobile-identification:tp-r${batch.round}-borica-${index}`);
      if (result.outcome === 'identified') identified += 1;
    });
  }
  return identified;
}

async function summarise(stack: BenchStack, batches: readonly Batch[]): Promise<Measured> {
  const rate = (kind: WorkerKind) => {
    const mine = batches.filter((batch) => batch.kind === kind);
    const workflows = mine.reduce((sum, batch) => sum + batch.workflows, 0);
    const seconds = mine.reduce((sum, batch) => sum + batch.seconds, 0);
    return round(workflows / seconds);
  };
  const product = rate('borica');
  const baseline = rate('baseline');
  const ratio = round(product / baseline, 3);
  const ratioByRound = Array.from({ length: rounds }, (_, index) => {
    const of = (kind: WorkerKind) =>
      batches.find((batch) => batch.round === index + 1 && batch.kind === kind);
    return round((of('borica')?.completionsPerSecond ?? 0) / (of('baseline')?.completionsPerSecond ?? 1), 3);
  });
  const identified = await checkOutcomes(stack, batches);
  const cpu = { borica: cpuPerWorkflow(batches, 'borica'), baseline: cpuPerWorkflow(batches, 'baseline') };
  const total = (kind: WorkerKind, without: string[] = []) =>
    Object.entries(cpu[kind])
      .filter(([name]) => !without.includes(name))
      .reduce((sum, [, ms]) => sum + ms, 0);

  return {
    parameters: {
      n,
      rounds,
      concurrency,
      warmup,
      pollIntervalMs: MOBILE_REQUEST.pollIntervalMs,
      sandboxAutopilot: 'mobile=complete@0',
    },
    settings: stack.settings,
    figures: {
      productCompletionsPerSecond: product,
      baselineCompletionsPerSecond: baseline,
      ratio,
      ratioByRound,
      cpuMsPerWorkflow: cpu,
      // On a machine where CPU is the limit, throughput goes as 1 / CPU per workflow: these
      // ratios are the throughput ratio with the other load on the machine taken out.
      cpuCostRatio: round(total('baseline') / total('borica'), 3),
      cpuCostRatioWithoutSandbox: round(
        total('baseline', ['benchmarkAndSandbox']) / total('borica', ['benchmarkAndSandbox']),
        3,
      ),
      identified,
      expectedIdentified: n * rounds,
      batches,
    },
    targets: [
      {
        name: 'mobile identifications/s over baseline',
        target: `>= ${TARGET_RATIO}`,
        value: ratio,
        unit: 'x',
        verdict: verdict(ratio, TARGET_RATIO, 'at-least'),
      },
    ],
    notes: [
      'Batch time runs from the first start to the last close as the server recorded them.',
      'The baseline gives the server the same commands as the mobile identification (two activities, three search-attribute upserts) with no-op activities and no payload encryption.',
    ],
  };
}

/** Mean over the rounds of each process's CPU ms per workflow. */
function cpuPerWorkflow(batches: readonly Batch[], kind: WorkerKind): Record<string, number> {
  const mine = batches.filter((batch) => batch.kind === kind);
  const names = Object.keys(mine[0]?.cpuMsPerWorkflow ?? {});
  return Object.fromEntries(
    names.map((name) => [
      name,
      round(mine.reduce((sum, batch) => sum + (batch.cpuMsPerWorkflow[name] ?? 0), 0) / mine.length),
    ]),
  );
}

function round3(value: number): number {
  return round(value, 3);
}

void runBench('throughput', { mode, resultsDir, label }, measure, (result) => {
  const figures = result.figures as {
    productCompletionsPerSecond: number;
    baselineCompletionsPerSecond: number;
    ratio: number;
    ratioByRound: number[];
    cpuCostRatio: number;
    cpuCostRatioWithoutSandbox: number;
    identified: number;
    expectedIdentified: number;
    batches: Batch[];
  };
  printTable(`throughput (${mode}): ${n} workflows x ${rounds} round(s)`, [
    ['mobile identification, completions/s', figures.productCompletionsPerSecond],
    ['baseline, completions/s', figures.baselineCompletionsPerSecond],
    ['ratio (per round)', `${figures.ratio} (${figures.ratioByRound.join(', ')})`],
    ['CPU cost ratio (without sandbox)', `${figures.cpuCostRatio} (${figures.cpuCostRatioWithoutSandbox})`],
    ['identified / expected', `${figures.identified} / ${figures.expectedIdentified}`],
    ...figures.batches.map((batch): [string, string] => [
      `round ${batch.round} ${batch.kind}`,
      `${batch.completionsPerSecond}/s, start-to-close p50 ${batch.latencyMs.p50} ms p99 ${batch.latencyMs.p99} ms, CPU ms/workflow ${Object.entries(
        batch.cpuMsPerWorkflow,
      )
        .map(([name, ms]) => `${name} ${ms}`)
        .join(' ')}`,
    ]),
  ]);
});
