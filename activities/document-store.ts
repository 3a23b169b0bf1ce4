import { createHash, randomUUID } from 'node:crypto';
import { mkdir, open as openFile, readdir, readFile, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { type KeyRing, open, seal } from '../codec/keys';
import type { DocumentRef } from '../workflows/definitions';

export type { DocumentRef };

/**
 * The claim check for PDFs: workflows carry a {@link DocumentRef}, the bytes live here.
 */
export interface DocumentStore {
  put(bytes: Uint8Array): Promise<DocumentRef>;
  /** Returns the plaintext, or throws a {@link DocumentStoreError} when it is missing or altered. */
  get(ref: DocumentRef): Promise<Buffer>;
  /** Deletes a document for good; resolves to false when there was none with that id. */
  delete(ref: Pick<DocumentRef, 'id'>): Promise<boolean>;
}

/** A document that cannot be read back as it was written. Retrying will not help. */
export class DocumentStoreError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** No document with this id in the store. */
export class DocumentNotFoundError extends DocumentStoreError {}

/** The stored bytes fail the GCM tag, the hash or the size in the reference. */
export class DocumentIntegrityError extends DocumentStoreError {}

export interface FileDocumentStoreOptions {
  readonly dir: string;
  readonly keys: KeyRing;
}

// File layout: format version, key id length, key id, then the sealed data (nonce, ciphertext, tag).
const FORMAT_VERSION = 1;
const UUID_PATTERN = '[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}';
const UUID = new RegExp(`^${UUID_PATTERN}$`);
/** A document, or the temporary file of a write that has not finished (or crashed). */
const STORED_FILE = new RegExp(`^${UUID_PATTERN}(\\.${UUID_PATTERN}\\.tmp)?$`);

/**
 * A store on the local file system (or a mounted volume), each document AES-256-GCM encrypted
 * under the key ring's current key with its id as associated data, so a file renamed onto
 * another id fails to open.
 */
export function createFileDocumentStore({ dir, keys }: FileDocumentStoreOptions): DocumentStore {
  const ready = mkdir(dir, { recursive: true, mode: 0o700 });

  return {
    async put(bytes) {
      await ready;
      const id = randomUUID();
      const sealed = seal(keys, bytes, Buffer.from(id));
      await writeAtomically(join(dir, id), encodeFile(sealed.keyId, sealed.data));

      return { id, sha256: sha256(bytes), size: bytes.byteLength };
    },

    async get(ref) {
      if (!UUID.test(ref.id)) throw new DocumentNotFoundError('document id is not one this store issues');

      const file = await readStored(join(dir, ref.id));
      const plaintext = decrypt(keys, ref.id, file);
      if (plaintext.byteLength !== ref.size || sha256(plaintext) !== ref.sha256) {
        throw new DocumentIntegrityError(
          `document ${ref.id} does not match the size or SHA-256 of its reference; the reference or the file was altered`,
        );
      }
      return plaintext;
    },

    async delete(ref) {
      return await deleteFileDocument(dir, ref.id);
    },
  };
}

/**
 * Deletes one document of the store in `dir`; false when there was none with that id. Like
 * {@link pruneFileDocumentStore}, it needs no key.
 */
export async function deleteFileDocument(dir: string, id: string): Promise<boolean> {
  if (!UUID.test(id)) return false;
  try {
    await rm(join(dir, id));
    return true;
  } catch (error) {
    if (isMissingFile(error)) return false;
    throw error;
  }
}

export interface PruneResult {
  readonly deleted: number;
  readonly kept: number;
}

/**
 * Deletes every document of the store in `dir` that was stored before `storedBefore` (the
 * file's modification time is when it was stored), and the temporary files of writes that
 * crashed before then. Files the store did not name are left alone. It needs no key, so a
 * retention job can run without `PAYLOAD_ENCRYPTION_KEYS`.
 *
 * Choose the age so that no running flow still needs a document: a signing reads its PDFs only
 * when it starts, but your service reads results whenever it gets to them.
 */
export async function pruneFileDocumentStore(dir: string, storedBefore: Date): Promise<PruneResult> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch (error) {
    if (isMissingFile(error)) return { deleted: 0, kept: 0 };
    throw error;
  }

  let deleted = 0;
  let kept = 0;
  for (const name of names.filter((candidate) => STORED_FILE.test(candidate))) {
    const path = join(dir, name);
    const stored = await stat(path).catch(() => undefined);
    if (!stored?.isFile()) continue;
    if (stored.mtime < storedBefore) {
      await rm(path, { force: true });
      deleted++;
    } else {
      kept++;
    }
  }
  return { deleted, kept };
}

function encodeFile(keyId: string, data: Buffer): Buffer {
  const id = Buffer.from(keyId, 'utf8');
  return Buffer.concat([Buffer.from([FORMAT_VERSION, id.length]), id, data]);
}

function decodeFile(id: string, file: Buffer): { keyId: string; data: Buffer } {
  const keyIdLength = file[1] ?? 0;
  if (file[0] !== FORMAT_VERSION || file.length < 2 + keyIdLength) {
    throw new DocumentIntegrityError(`document ${id} is not in a format this store wrote`);
  }
  return {
    keyId: file.subarray(2, 2 + keyIdLength).toString('utf8'),
    data: file.subarray(2 + keyIdLength),
  };
}

function decrypt(keys: KeyRing, id: string, file: Buffer): Buffer {
  const sealed = decodeFile(id, file);
  if (!keys.byId(sealed.keyId)) {
    throw new DocumentStoreError(
      `document ${id} was encrypted with key "${sealed.keyId}", which is not in PAYLOAD_ENCRYPTION_KEYS; add it back to read the document`,
    );
  }

  try {
    return open(keys, sealed, Buffer.from(id));
  } catch (error) {
    throw new DocumentIntegrityError(
      `document ${id} failed authentication: the file was altered or truncated`,
      {
        cause: error,
      },
    );
  }
}

async function readStored(path: string): Promise<Buffer> {
  try {
    return await readFile(path);
  } catch (error) {
    if (isMissingFile(error)) {
      throw new DocumentNotFoundError('no document with this id in DOCUMENT_STORE_DIR', { cause: error });
    }
    throw error;
  }
}

/** Temp file, fsync, rename: a reader sees the whole document or none of it, even after a crash. */
async function writeAtomically(path: string, data: Buffer): Promise<void> {
  const temp = `${path}.${randomUUID()}.tmp`;
  try {
    const handle = await openFile(temp, 'wx', 0o600);
    try {
      await handle.writeFile(data);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temp, path);
  } catch (error) {
    await rm(temp, { force: true });
    throw error;
  }
}

function isMissingFile(error: unknown): boolean {
  return (error as NodeJS.ErrnoException).code === 'ENOENT';
}

function sha256(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}
