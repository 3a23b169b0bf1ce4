import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

/** One AES-256 key and the id written beside everything it encrypts. */
export interface EncryptionKey {
  readonly id: string;
  readonly key: Buffer;
}

/**
 * The configured keys: the first encrypts, every one decrypts, so a key can be rotated by
 * putting a new one first and dropping the old one once nothing encrypted with it is kept.
 */
export interface KeyRing {
  readonly current: EncryptionKey;
  byId(id: string): EncryptionKey | undefined;
}

/** Encrypted bytes with what is needed to decrypt them. */
export interface Sealed {
  readonly keyId: string;
  /** 12-byte nonce, then ciphertext, then the 16-byte GCM tag. */
  readonly data: Buffer;
}

const NONCE_BYTES = 12;
const TAG_BYTES = 16;

/**
 * Parses `PAYLOAD_ENCRYPTION_KEYS`: comma-separated `id:base64` pairs, each key 32 bytes.
 * Throws an error that names the malformed entry by position, never the key itself.
 */
export function parseKeyRing(spec: string): KeyRing {
  const entries = spec
    .split(',')
    .map((entry) => entry.trim())
    .filter(Boolean);
  if (entries.length === 0) throw new Error('expected at least one key as id:base64');

  const keys = entries.map(parseKey);
  const ids = new Set(keys.map((key) => key.id));
  if (ids.size !== keys.length) throw new Error('key ids must be unique');

  return {
    current: keys[0] as EncryptionKey,
    byId: (id) => keys.find((key) => key.id === id),
  };
}

/** Makes a fresh key in the `id:base64` form that `PAYLOAD_ENCRYPTION_KEYS` takes. */
export function generateKeySpec(id: string): string {
  return `${id}:${randomBytes(32).toString('base64')}`;
}

/** AES-256-GCM with a random nonce; `associatedData` binds the ciphertext to its context. */
export function seal(ring: KeyRing, plaintext: Uint8Array, associatedData?: Uint8Array): Sealed {
  const { id, key } = ring.current;
  const nonce = randomBytes(NONCE_BYTES);
  const cipher = createCipheriv('aes-256-gcm', key, nonce);
  if (associatedData) cipher.setAAD(associatedData);
  const body = Buffer.concat([cipher.update(plaintext), cipher.final()]);

  return { keyId: id, data: Buffer.concat([nonce, body, cipher.getAuthTag()]) };
}

/** Reverses {@link seal}; throws when the key is unknown or the data was altered. */
export function open(ring: KeyRing, sealed: Sealed, associatedData?: Uint8Array): Buffer {
  const key = ring.byId(sealed.keyId);
  if (!key) throw new Error(`no key with id "${sealed.keyId}" is configured in PAYLOAD_ENCRYPTION_KEYS`);
  if (sealed.data.length < NONCE_BYTES + TAG_BYTES) throw new Error('encrypted data is truncated');

  const nonce = sealed.data.subarray(0, NONCE_BYTES);
  const tag = sealed.data.subarray(sealed.data.length - TAG_BYTES);
  const body = sealed.data.subarray(NONCE_BYTES, sealed.data.length - TAG_BYTES);
  const decipher = createDecipheriv('aes-256-gcm', key.key, nonce);
  if (associatedData) decipher.setAAD(associatedData);
  decipher.setAuthTag(tag);

  return Buffer.concat([decipher.update(body), decipher.final()]);
}

function parseKey(entry: string, index: number): EncryptionKey {
  const separator = entry.indexOf(':');
  const id = entry.slice(0, separator);
  const key = Buffer.from(entry.slice(separator + 1), 'base64');
  if (separator <= 0 || !/^[\w.-]{1,64}$/.test(id)) {
    throw new Error(
      `entry ${index + 1} must look like id:base64, the id made of letters, digits, ".", "_" or "-"`,
    );
  }
  if (key.length !== 32) throw new Error(`key "${id}" must be 32 bytes of base64 (got ${key.length})`);
  return { id, key };
}
