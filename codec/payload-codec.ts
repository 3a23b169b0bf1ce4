import type { DataConverter, Payload, PayloadCodec } from '@temporalio/common';
import { METADATA_ENCODING_KEY } from '@temporalio/common';
import { temporal } from '@temporalio/proto';
import { type KeyRing, open, seal } from './keys';

/** `encoding` metadata of a payload this codec encrypted. */
export const ENCRYPTED_ENCODING = 'binary/encrypted';
/** Metadata key naming the key that encrypted a payload. */
export const KEY_ID_METADATA = 'encryption-key-id';

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/**
 * AES-256-GCM over whole payloads: the original payload, metadata included, is serialised and
 * encrypted, so history holds only ciphertext and the id of the key that made it.
 */
export class EncryptionCodec implements PayloadCodec {
  constructor(private readonly keys: KeyRing) {}

  async encode(payloads: Payload[]): Promise<Payload[]> {
    return payloads.map((payload) => {
      const plain = temporal.api.common.v1.Payload.encode(payload).finish();
      const sealed = seal(this.keys, plain);
      return {
        metadata: {
          [METADATA_ENCODING_KEY]: encoder.encode(ENCRYPTED_ENCODING),
          [KEY_ID_METADATA]: encoder.encode(sealed.keyId),
        },
        data: sealed.data,
      };
    });
  }

  async decode(payloads: Payload[]): Promise<Payload[]> {
    return payloads.map((payload) => (isEncrypted(payload) ? this.decrypt(payload) : payload));
  }

  private decrypt(payload: Payload): Payload {
    const keyIdBytes = payload.metadata?.[KEY_ID_METADATA];
    if (!keyIdBytes)
      throw new Error(`encrypted payload has no "${KEY_ID_METADATA}" metadata: it was altered`);
    const keyId = decoder.decode(keyIdBytes);
    if (!this.keys.byId(keyId)) {
      throw new Error(
        `no key with id "${keyId}" is configured in PAYLOAD_ENCRYPTION_KEYS: add it after the current key`,
      );
    }

    let plain: Buffer;
    try {
      plain = open(this.keys, { keyId, data: Buffer.from(payload.data ?? new Uint8Array()) });
    } catch (error) {
      throw new Error(
        `payload encrypted with key "${keyId}" could not be decrypted: the configured key with that id is not the one that encrypted it, or the payload was altered`,
        { cause: error },
      );
    }
    return temporal.api.common.v1.Payload.decode(plain);
  }
}

/**
 * The data converter every client and worker of this project uses: payloads encrypted, and
 * failure messages and stack traces moved into an encrypted payload too.
 */
export function encryptedDataConverter(keys: KeyRing): DataConverter {
  return {
    payloadCodecs: [new EncryptionCodec(keys)],
    failureConverterPath: require.resolve('./failure-converter'),
  };
}

function isEncrypted(payload: Payload): boolean {
  const encoding = payload.metadata?.[METADATA_ENCODING_KEY];
  return encoding !== undefined && decoder.decode(encoding) === ENCRYPTED_ENCODING;
}
