/**
 * `documents prune` and `documents delete`: keep the personal data in the document store no
 * longer than needed. Both read only DOCUMENT_STORE_DIR; they need neither Temporal nor the keys,
 * so a retention job can run them with nothing else configured.
 */
import { type Command, InvalidArgumentError } from 'commander';
import {
  DocumentNotFoundError,
  deleteFileDocument,
  pruneFileDocumentStore,
} from '../../activities/document-store';
import { loadConfig, storeSection } from '../../common/config';
import { ExitCode } from './exit-codes';
import { printRecord, type Streams } from './output';
import type { Run } from './start-commands';

const DAY_MS = 24 * 60 * 60 * 1000;

export function addDocumentCommands(program: Command, streams: Streams, run: Run, json: () => boolean): void {
  const documents = program
    .command('documents')
    .description('the document store: delete PDFs once they are no longer needed');

  documents
    .command('prune')
    .description('Delete every PDF stored more than the given number of days ago.')
    .requiredOption(
      '--older-than <days>',
      'age in days, e.g. 30: longer than your longest flow plus the time your service takes to read results',
      positiveDays,
    )
    .action((options: { olderThan: number }) =>
      run(async () => {
        const storedBefore = new Date(Date.now() - options.olderThan * DAY_MS);
        const pruned = await pruneFileDocumentStore(storeDir(), storedBefore);
        printRecord(streams, { storedBefore: storedBefore.toISOString(), ...pruned }, json());
        return ExitCode.ok;
      }),
    );

  documents
    .command('delete')
    .description("Delete one PDF by the id in its document reference (a result's `certificate.id`, for one).")
    .argument('<documentId>', 'the document id')
    .action((documentId: string) =>
      run(async () => {
        if (!(await deleteFileDocument(storeDir(), documentId))) {
          throw new DocumentNotFoundError('no document with this id in DOCUMENT_STORE_DIR');
        }
        streams.err.write(`Document ${documentId} deleted.\n`);
        return ExitCode.ok;
      }),
    );
}

function storeDir(): string {
  return loadConfig({ store: storeSection }).store.dir;
}

function positiveDays(value: string): number {
  const days = Number(value);
  if (!Number.isFinite(days) || days <= 0)
    throw new InvalidArgumentError('expected a positive number of days.');
  return days;
}
