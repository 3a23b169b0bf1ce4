import { setTimeout as sleep } from 'node:timers/promises';
import { PDFDocument, StandardFonts } from 'pdf-lib';
import type { BoricaFlows } from '../../client';
import type { Phase, WorkflowStatus } from '../../workflows/definitions';
import type { Stack } from '../support/stack';

/** The guide's example person: the EGN's check digit and encoded birth date are consistent. */
export const person = {
  docType: 'EGN',
  identificatorValue: '7805166742',
  dateOfBirth: '16-05-1978',
} as const;

export const urls = {
  successUrl: 'https://relying-party.example/ok',
  cancelUrl: 'https://relying-party.example/cancel',
};

export function lastSegment(url: string): string {
  return new URL(url).pathname.split('/').filter(Boolean).at(-1) ?? '';
}

/** The customer, played through the sandbox's control API. */
export function customer(stack: Stack) {
  const { control } = stack.sandbox;
  return {
    async completesIdentification(redirectUrl: string): Promise<void> {
      await control.web(lastSegment(redirectUrl), 'open');
      await control.web(lastSegment(redirectUrl), 'complete');
    },
    async cancelsIdentification(redirectUrl: string): Promise<void> {
      await control.web(lastSegment(redirectUrl), 'open');
      await control.web(lastSegment(redirectUrl), 'cancel');
    },
  };
}

export async function documentUpload(title: string) {
  const pdf = await PDFDocument.create();
  const font = await pdf.embedFont(StandardFonts.Helvetica);
  pdf.addPage([595, 842]).drawText(title, { x: 72, y: 760, size: 18, font });
  return {
    content: await pdf.save(),
    fileName: `${title.toLowerCase().replaceAll(' ', '-')}.pdf`,
    legalFileName: title,
    padesVisualSignature: true,
    signaturePosition: { pageNumber: 1, imageXAxis: 72, imageYAxis: 600, imageWidth: 200, imageHeight: 60 },
  };
}

/** Polls the status query until the phase is reached (and `also` holds), for at most `timeoutMs`. */
export async function waitForPhase(
  flows: BoricaFlows,
  workflowId: string,
  phase: Phase,
  also: (status: WorkflowStatus) => boolean = () => true,
  timeoutMs = 60_000,
): Promise<WorkflowStatus> {
  const deadline = Date.now() + timeoutMs;
  let last: WorkflowStatus | undefined;
  while (Date.now() < deadline) {
    last = await flows.status(workflowId);
    if (last.phase === phase && also(last)) return last;
    await sleep(100);
  }
  throw new Error(`${workflowId} did not reach ${phase} in ${timeoutMs} ms; last phase ${last?.phase}`);
}
