import { mkdir, writeFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { type Command, Option } from 'commander';
import type { DocumentRef } from '../../workflows/definitions';
import { InputError } from '../errors';
import type { AnyFlowResult, BoricaFlows } from '../index';
import { withFlows } from './context';
import { exitCodeForResult } from './exit-codes';
import { printJson, printRecord, printTable, type Streams } from './output';
import type { Run } from './start-commands';
import { watch } from './watch';

const SCENARIOS = ['mobile-identification', 'web-identification', 'otc-signing', 'onboard-and-sign'];

export function addFollowCommands(program: Command, streams: Streams, run: Run, json: () => boolean): void {
  program
    .command('status')
    .description('Show where a workflow stands, once.')
    .argument('<workflowId>', 'the workflow id a start command printed')
    .action((workflowId: string) =>
      run(async () => {
        const record = await withFlows(async (flows) => {
          const summary = await flows.describe(workflowId);
          const status =
            summary.status === 'RUNNING' ? await flows.status(workflowId, { timeoutMs: 5_000 }) : undefined;
          return {
            ...summary,
            ...status,
            deadline: status?.deadline ? `${status.deadline.name}@${status.deadline.at}` : undefined,
          };
        });
        printRecord(
          streams,
          { ...record, startedAt: record.startedAt.toISOString(), closedAt: record.closedAt?.toISOString() },
          json(),
        );
        return 0;
      }),
    );

  program
    .command('watch')
    .description('Follow a workflow until it ends; the exit code then tells how it ended.')
    .argument('<workflowId>', 'the workflow id a start command printed')
    .option('--interval-ms <ms>', 'how often to ask', '2000')
    .action((workflowId: string, options: { intervalMs: string }) =>
      run(async () => {
        const intervalMs = Number(options.intervalMs);
        if (!Number.isInteger(intervalMs) || intervalMs < 200) {
          throw new InputError([
            { field: '--interval-ms', expected: 'expected a whole number of milliseconds, at least 200' },
          ]);
        }
        return await withFlows((flows) =>
          watch(flows, workflowId, streams, { intervalMs, tty: streams.out.isTTY === true }),
        );
      }),
    );

  program
    .command('list')
    .description("List this project's workflows, newest first.")
    .addOption(new Option('--scenario <scenario>', 'only this scenario').choices(SCENARIOS))
    .option('--phase <phase>', 'only workflows in this phase, e.g. awaiting-customer')
    .option('--page-size <n>', 'at most this many', '50')
    .option('--page-token <token>', 'the token printed after the previous page')
    .action((options: Record<string, string | undefined>) =>
      run(async () => {
        const page = await withFlows((flows) =>
          flows.list({
            ...(options.scenario ? { scenario: options.scenario as never } : {}),
            ...(options.phase ? { phase: options.phase as never } : {}),
            pageSize: Number(options.pageSize),
            ...(options.pageToken ? { pageToken: options.pageToken } : {}),
          }),
        );
        if (json()) {
          printJson(streams, page);
          return 0;
        }
        printTable(
          streams,
          ['WORKFLOW ID', 'SCENARIO', 'PHASE', 'STATUS', 'STARTED'],
          page.flows.map((flow) => [
            flow.workflowId,
            flow.scenario ?? '-',
            flow.phase ?? '-',
            flow.status.toLowerCase(),
            flow.startedAt.toISOString(),
          ]),
        );
        if (page.nextPageToken) streams.err.write(`More: --page-token ${page.nextPageToken}\n`);
        return 0;
      }),
    );

  program
    .command('result')
    .description('Wait for a workflow to end and print its result as JSON.')
    .argument('<workflowId>', 'the workflow id a start command printed')
    .option('--save-dir <dir>', 'also save the PDFs the result refers to in this directory')
    .action((workflowId: string, options: { saveDir?: string }) =>
      run(async () => {
        const result = await withFlows(async (flows) => {
          const value = await flows.result(workflowId);
          if (options.saveDir) await saveDocuments(flows, value, options.saveDir, streams);
          return value;
        });
        printJson(streams, result);
        return exitCodeForResult(result);
      }),
    );

  program
    .command('cancel')
    .description('Cancel a workflow; nothing happens if it has already ended.')
    .argument('<workflowId>', 'the workflow id a start command printed')
    .action((workflowId: string) =>
      run(async () => {
        await withFlows((flows) => flows.cancel(workflowId));
        streams.err.write(`Cancellation of ${workflowId} requested.\n`);
        return 0;
      }),
    );
}

/** The PDFs a result refers to, with the file name each is saved under. */
export function documentsOf(result: AnyFlowResult): { readonly name: string; readonly ref: DocumentRef }[] {
  if ('outcome' in result) {
    if (result.outcome === 'identified') return [{ name: 'eid-certificate.pdf', ref: result.certificate }];
    if (result.outcome === 'signed')
      return result.documents.map((signed) => ({ name: signed.fileName, ref: signed.document }));
    return [];
  }
  const rounds = result.rounds.flatMap((round, index) =>
    documentsOf(round).map((document) => ({ ...document, name: `round-${index + 1}-${document.name}` })),
  );
  return [...documentsOf(result.identification), ...rounds];
}

async function saveDocuments(
  flows: BoricaFlows,
  result: AnyFlowResult,
  dir: string,
  streams: Streams,
): Promise<void> {
  await mkdir(dir, { recursive: true });
  const used = new Set<string>();
  for (const { name, ref } of documentsOf(result)) {
    const safe = safeName(name);
    const unique = used.has(safe) ? `${used.size + 1}-${safe}` : safe;
    used.add(unique);
    const path = join(dir, unique);
    // `wx`: never overwrite a file that is already there.
    await writeFile(path, await flows.readDocument(ref), { flag: 'wx', mode: 0o600 });
    streams.err.write(`Saved ${path}\n`);
  }
}

/** File names come from the signing request; keep them inside the directory. */
function safeName(name: string): string {
  const base = basename(name).replace(/[^\w.\- ]/g, '_');
  return base === '' || base === '.' || base === '..' ? 'document.pdf' : base;
}
