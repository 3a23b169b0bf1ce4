/**
 * Large documents: OTC signing of one PDF of 1 to 20 MiB. The document goes into the document
 * store and the workflow carries only its reference (a claim check), so the history should stay
 * the same size whatever the document's size, and the time should grow in a line with it.
 *
 * Time runs from `requestSignatures` (which stores the PDF and starts the workflow) to the
 * result, with the sandbox's customer signing at once. It includes BORICA's part as the sandbox
 * plays it: receiving the upload, signing the PDF and serving it back.
 *
 *   npm run bench:large-documents -- [--sizes 1,5,10,20] [--repeats 3] [--quick]
 */
import { randomBytes } from 'node:crypto';
import { tsToMs } from '@temporalio/common/lib/time';
import { temporal } from '@temporalio/proto';
import { PDFDocument, StandardFonts } from 'pdf-lib';
import { linearFit, percentiles, printTable, round } from './support/report';
import { flags, intFlag, type Measured, runBench } from './support/run';
import { type BenchStack, startBenchStack } from './support/stack';

const USAGE =
  'tsx bench/large-documents.ts [--sizes 1,5,10,20] [--repeats R] [--quick|--smoke] [--results-dir DIR] [--label L]';
const MIB = 1024 * 1024;
const urls = {
  successUrl: 'https://relying-party.example/ok',
  cancelUrl: 'https://relying-party.example/cancel',
};

const { mode, resultsDir, label, values } = flags(USAGE, {
  sizes: { type: 'string' },
  repeats: { type: 'string' },
});
const sizes = parseSizes(values.sizes, { full: [1, 5, 10, 20], quick: [1, 5, 10], smoke: [1, 2] }[mode]);
const repeats = intFlag(values.repeats, 'repeats', { full: 3, quick: 1, smoke: 1 }, mode);

interface Signing {
  readonly sizeMiB: number;
  readonly documentBytes: number;
  readonly seconds: number;
  readonly historyBytes: number;
  readonly historyEvents: number;
  readonly phasesMs: { readonly upload: number; readonly callback: number; readonly download: number };
}

async function measure(): Promise<Measured> {
  const stack = await startBenchStack({
    name: 'large-documents',
    sandbox: { autopilot: { sign: { outcome: 'sign', afterMs: 0 } } },
  });
  try {
    await stack.startWorker('borica');
    let session = await identify(stack);
    // One unmeasured round through every size: the first large buffers of a process are slow.
    for (const size of sizes) session = (await signOnce(stack, session, size, `warmup-${size}`)).session;

    const signings: Signing[] = [];
    for (let repeat = 1; repeat <= repeats; repeat += 1) {
      for (const size of sizes) {
        const signing = await signOnce(stack, session, size, `${size}-${repeat}`);
        session = signing.session;
        signings.push(signing.figures);
        console.log(
          `${size} MiB: ${signing.figures.seconds} s, history ${signing.figures.historyBytes} bytes`,
        );
      }
    }
    return summarise(stack, signings);
  } finally {
    await stack.close();
  }
}

interface Session {
  readonly identifier: string;
  readonly signSessionId: string;
}

async function identify(stack: BenchStack): Promise<Session> {
  const started = await stack.flows.startWebIdentification({
    externalRef: 'ld-identify',
    reason: 'benchmark',
    ...urls,
  });
  const sessionId = new URL(started.redirectUrl).pathname.split('/').at(-1) ?? '';
  await stack.sandbox.control.web(sessionId, 'open');
  await stack.sandbox.control.web(sessionId, 'complete');

  const result = await stack.flows.result(started.workflowId);
  if (result.outcome !== 'identified') throw new Error(`the web identification ended ${result.outcome}`);
  return { identifier: result.clientIdentifier, signSessionId: result.signSessionId };
}

async function signOnce(stack: BenchStack, session: Session, sizeMiB: number, label: string) {
  const content = await pdfOfSize(sizeMiB * MIB);
  const started = performance.now();
  const signing = await stack.flows.requestSignatures({
    externalRef: `ld-${label}`,
    ...session,
    ...urls,
    documents: [
      { content, fileName: 'contract.pdf', legalFileName: 'Contract', padesVisualSignature: false },
    ],
  });
  const result = await stack.flows.result(signing.workflowId);
  const seconds = (performance.now() - started) / 1000;
  if (result.outcome !== 'signed') throw new Error(`the signing of ${sizeMiB} MiB ended ${result.outcome}`);

  const history = await stack.rawClient.workflow.getHandle(signing.workflowId).fetchHistory();
  const events = history.events ?? [];
  return {
    session: { identifier: session.identifier, signSessionId: result.signSessionId },
    figures: {
      sizeMiB,
      documentBytes: content.byteLength,
      seconds: round(seconds, 3),
      historyBytes: temporal.api.history.v1.History.encode(history).finish().byteLength,
      historyEvents: events.length,
      phasesMs: phases(events),
    },
  };
}

type HistoryEvent = temporal.api.history.v1.IHistoryEvent;
const EventType = temporal.api.enums.v1.EventType;

/**
 * Where the time went, from the server's event times: the upload (the sign-session start
 * activity), the wait for BORICA's SIGN_SESSION callback (the sandbox signs the PDF, sends the
 * callback, the receiver finds the signing workflow by resultId and signals it), and the rest
 * (status check, download of the signed PDF into the store, completion).
 */
function phases(events: readonly HistoryEvent[]): { upload: number; callback: number; download: number } {
  const at = (type: temporal.api.enums.v1.EventType, from = 0) => {
    const found = events.slice(from).findIndex((event) => event.eventType === type);
    if (found < 0) throw new Error(`the signing history has no ${EventType[type]}`);
    return { index: from + found, ms: tsToMs(events[from + found]!.eventTime) };
  };
  const scheduled = at(EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED);
  const uploaded = at(EventType.EVENT_TYPE_ACTIVITY_TASK_COMPLETED, scheduled.index);
  const signaled = at(EventType.EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED, uploaded.index);
  const completed = at(EventType.EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED, signaled.index);
  return {
    upload: uploaded.ms - scheduled.ms,
    callback: signaled.ms - uploaded.ms,
    download: completed.ms - signaled.ms,
  };
}

/** A one-page PDF carrying an attachment of random (incompressible) bytes, about `bytes` long in all. */
async function pdfOfSize(bytes: number): Promise<Uint8Array> {
  const pdf = await PDFDocument.create();
  const font = await pdf.embedFont(StandardFonts.Helvetica);
  pdf.addPage([595, 842]).drawText('Contract', { x: 72, y: 760, size: 18, font });
  await pdf.attach(randomBytes(Math.max(0, bytes - 4096)), 'annex.bin', {
    mimeType: 'application/octet-stream',
  });
  return pdf.save({ useObjectStreams: false });
}

function summarise(stack: BenchStack, signings: readonly Signing[]): Measured {
  const bySize = sizes.map((size) => {
    const mine = signings.filter((signing) => signing.sizeMiB === size);
    const time = percentiles(mine.map((signing) => signing.seconds));
    return {
      sizeMiB: size,
      documentBytes: mine[0]?.documentBytes ?? 0,
      medianSeconds: time.p50,
      secondsPerMiB: round(time.p50 / size, 3),
      historyBytes: Math.max(...mine.map((signing) => signing.historyBytes)),
      historyEvents: Math.max(...mine.map((signing) => signing.historyEvents)),
      medianPhasesMs: {
        upload: percentiles(mine.map((signing) => signing.phasesMs.upload)).p50,
        callback: percentiles(mine.map((signing) => signing.phasesMs.callback)).p50,
        download: percentiles(mine.map((signing) => signing.phasesMs.download)).p50,
      },
    };
  });
  const fit = linearFit(signings.map((signing) => ({ x: signing.sizeMiB, y: signing.seconds })));
  // The same line without the callback wait, whose lookup retry does not depend on the size.
  const documentFit = linearFit(
    signings.map((signing) => ({
      x: signing.sizeMiB,
      y: (signing.phasesMs.upload + signing.phasesMs.download) / 1000,
    })),
  );
  const histories = bySize.map((row) => row.historyBytes);
  const historySpread = Math.max(...histories) - Math.min(...histories);

  return {
    parameters: { sizesMiB: sizes, repeats, sandboxAutopilot: 'sign=sign@0' },
    settings: stack.settings,
    figures: {
      bySize,
      fit: { secondsPerMiB: fit.slope, interceptSeconds: fit.intercept, r2: fit.r2 },
      uploadAndDownloadFit: {
        secondsPerMiB: documentFit.slope,
        interceptSeconds: documentFit.intercept,
        r2: documentFit.r2,
      },
      history: {
        minBytes: Math.min(...histories),
        maxBytes: Math.max(...histories),
        spreadBytes: historySpread,
      },
      signings,
    },
    targets: [],
    notes: [
      'historyBytes: the workflow history as the server returns it, protobuf-encoded (payloads still encrypted).',
      'Times include the sandbox receiving, signing and returning the document, which BORICA does on its own servers.',
    ],
  };
}

function parseSizes(value: unknown, fallback: number[]): number[] {
  if (value === undefined) return fallback;
  const parsed = String(value).split(',').map(Number);
  if (parsed.some((size) => !Number.isFinite(size) || size <= 0 || size > 24)) {
    throw new RangeError('--sizes must be a comma-separated list of MiB between 0 and 24, e.g. 1,5,10,20');
  }
  return parsed;
}

void runBench('large-documents', { mode, resultsDir, label }, measure, (result) => {
  const f = result.figures as {
    bySize: {
      sizeMiB: number;
      medianSeconds: number;
      secondsPerMiB: number;
      historyBytes: number;
      historyEvents: number;
      medianPhasesMs: { upload: number; callback: number; download: number };
    }[];
    fit: { secondsPerMiB: number; interceptSeconds: number; r2: number };
    uploadAndDownloadFit: { secondsPerMiB: number; interceptSeconds: number; r2: number };
    history: { spreadBytes: number };
  };
  printTable(`large documents (${mode}): OTC signing, ${repeats} repeat(s) per size`, [
    ...f.bySize.map((row): [string, string] => [
      `${row.sizeMiB} MiB`,
      `${row.medianSeconds} s (${row.secondsPerMiB} s/MiB; upload ${row.medianPhasesMs.upload}, callback ${row.medianPhasesMs.callback}, rest ${row.medianPhasesMs.download} ms), history ${row.historyBytes} bytes in ${row.historyEvents} events`,
    ]),
    [
      'linear fit, whole signing',
      `${f.fit.secondsPerMiB} s/MiB + ${f.fit.interceptSeconds} s, r2 ${f.fit.r2}`,
    ],
    [
      'linear fit, upload + rest',
      `${f.uploadAndDownloadFit.secondsPerMiB} s/MiB + ${f.uploadAndDownloadFit.interceptSeconds} s, r2 ${f.uploadAndDownloadFit.r2}`,
    ],
    ['history size spread across sizes', `${f.history.spreadBytes} bytes`],
  ]);
});
