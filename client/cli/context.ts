import {
  createFileDocumentStore,
  type DocumentRef,
  type DocumentStore,
} from '../../activities/document-store';
import { encryptionSection, loadConfig, storeSection, temporalSection } from '../../common/config';
import { temporalConnectionOptions } from '../../common/temporal-connection';
import { type BoricaFlows, connectBoricaFlows } from '../index';

/** How long the CLI waits for Temporal before it gives up with exit code 5. */
const CONNECT_TIMEOUT_MS = 5_000;

/**
 * Connects with the configuration in the environment: TEMPORAL_ADDRESS, TEMPORAL_NAMESPACE,
 * TEMPORAL_TASK_QUEUE, TLS and API key (TEMPORAL_TLS*, TEMPORAL_API_KEY) and
 * PAYLOAD_ENCRYPTION_KEYS; DOCUMENT_STORE_DIR is read only by commands
 * that store or read documents, so `list` or `cancel` work without it.
 */
export async function connectFromEnv(env: NodeJS.ProcessEnv = process.env): Promise<BoricaFlows> {
  const config = loadConfig({ temporal: temporalSection, encryption: encryptionSection }, env);

  return await connectBoricaFlows({
    ...temporalConnectionOptions(config.temporal),
    namespace: config.temporal.namespace,
    taskQueue: config.temporal.taskQueue,
    keys: config.encryption.keys,
    documents: lazyStore(() => {
      const { store } = loadConfig({ store: storeSection }, env);
      return createFileDocumentStore({ dir: store.dir, keys: config.encryption.keys });
    }),
    connectTimeoutMs: CONNECT_TIMEOUT_MS,
  });
}

/** Runs `use` with a connected client and closes it afterwards, whatever happens. */
export async function withFlows<T>(use: (flows: BoricaFlows) => Promise<T>): Promise<T> {
  const flows = await connectFromEnv();
  try {
    return await use(flows);
  } finally {
    await flows.close();
  }
}

function lazyStore(open: () => DocumentStore): DocumentStore {
  let store: DocumentStore | undefined;
  const get = () => {
    store ??= open();
    return store;
  };
  return {
    put: async (bytes: Uint8Array) => await get().put(bytes),
    get: async (ref: DocumentRef) => await get().get(ref),
    delete: async (ref: Pick<DocumentRef, 'id'>) => await get().delete(ref),
  };
}
