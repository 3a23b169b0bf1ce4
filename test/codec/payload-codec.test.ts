import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Payload } from '@temporalio/common';
import { ApplicationFailure, defaultPayloadConverter } from '@temporalio/common';
import {
  decodeFromPayloadsAtIndex,
  decodeOptionalFailureToOptionalError,
  encodeErrorToFailure,
  encodeToPayloads,
} from '@temporalio/common/lib/internal-non-workflow/codec-helpers';
import { loadDataConverter } from '@temporalio/common/lib/internal-non-workflow/data-converter-helpers';
import { generateKeySpec, parseKeyRing } from '../../codec/keys';
import {
  ENCRYPTED_ENCODING,
  EncryptionCodec,
  encryptedDataConverter,
  KEY_ID_METADATA,
} from '../../codec/payload-codec';

const customer = { egn: '7805166742', phone: '+359888123456', email: 'maria.ivanova@example.bg' };

describe('payload encryption', () => {
  it('round-trips values through a Temporal data converter, keeping only ciphertext on the wire', async () => {
    const converter = loadDataConverter(encryptedDataConverter(parseKeyRing(generateKeySpec('k1'))));

    const payloads = (await encodeToPayloads(converter, customer)) ?? [];

    assert.equal(payloads.length, 1);
    assert.equal(metadata(payloads[0], 'encoding'), ENCRYPTED_ENCODING);
    assert.equal(metadata(payloads[0], KEY_ID_METADATA), 'k1');
    assertHidden(payloads[0]);
    assert.deepEqual(await decodeFromPayloadsAtIndex(converter, 0, payloads), customer);
  });

  it('reads payloads written with a key that is no longer the current one', async () => {
    const keyA = generateKeySpec('a');
    const written = await new EncryptionCodec(parseKeyRing(keyA)).encode([plainPayload(customer)]);

    const rotated = new EncryptionCodec(parseKeyRing(`${generateKeySpec('b')},${keyA}`));
    const [read] = await rotated.decode(written);
    const [rewritten] = await rotated.encode([plainPayload(customer)]);

    assert.deepEqual(defaultPayloadConverter.fromPayload(read as Payload), customer);
    assert.equal(metadata(rewritten, KEY_ID_METADATA), 'b');
  });

  it('refuses a payload whose key is not configured, naming the key id and nothing else', async () => {
    const keyA = generateKeySpec('a');
    const written = await new EncryptionCodec(parseKeyRing(keyA)).encode([plainPayload(customer)]);
    const keyB = generateKeySpec('b');

    await assert.rejects(new EncryptionCodec(parseKeyRing(keyB)).decode(written), (error: Error) => {
      assert.match(error.message, /no key with id "a" is configured in PAYLOAD_ENCRYPTION_KEYS/);
      for (const secret of [keyA.slice(2), keyB.slice(2), ...Object.values(customer)]) {
        assert.ok(!error.message.includes(secret), 'the message leaks key material or payload content');
      }
      return true;
    });
  });

  it('refuses a payload encrypted under the same key id with a different key', async () => {
    const written = await new EncryptionCodec(parseKeyRing(generateKeySpec('k1'))).encode([
      plainPayload(customer),
    ]);

    await assert.rejects(
      new EncryptionCodec(parseKeyRing(generateKeySpec('k1'))).decode(written),
      (error: Error) => {
        assert.match(error.message, /encrypted with key "k1" could not be decrypted/);
        assert.ok(error.cause instanceof Error);
        return true;
      },
    );
  });

  it('passes payloads that were never encrypted through unchanged', async () => {
    const codec = new EncryptionCodec(parseKeyRing(generateKeySpec('k1')));
    const plain = plainPayload('written before encryption was turned on');

    assert.deepEqual(await codec.decode([plain]), [plain]);
  });

  it('moves failure messages and stack traces into an encrypted payload', async () => {
    const converter = loadDataConverter(encryptedDataConverter(parseKeyRing(generateKeySpec('k1'))));
    const error = ApplicationFailure.nonRetryable(
      `customer ${customer.email} was refused`,
      'CustomerRefused',
    );

    const failure = await encodeErrorToFailure(converter, error);

    assert.equal(failure.message, 'Encoded failure');
    assert.equal(failure.stackTrace, '');
    assert.equal(failure.applicationFailureInfo?.type, 'CustomerRefused');
    assert.ok(failure.encodedAttributes);
    assert.equal(metadata(failure.encodedAttributes, 'encoding'), ENCRYPTED_ENCODING);
    assertHidden(failure.encodedAttributes);

    const decoded = await decodeOptionalFailureToOptionalError(converter, failure);
    assert.equal(decoded?.message, error.message);
    assert.match(decoded?.stack ?? '', /payload-codec\.test\.ts/);
  });
});

function plainPayload(value: unknown): Payload {
  return defaultPayloadConverter.toPayload(value);
}

function metadata(payload: Payload | undefined, key: string): string | undefined {
  const value = payload?.metadata?.[key];
  return value && Buffer.from(value).toString();
}

function assertHidden(payload: Payload | undefined): void {
  const bytes = Buffer.from(payload?.data ?? new Uint8Array());
  for (const value of Object.values(customer)) {
    assert.equal(bytes.includes(value), false, 'personal data is readable in the payload');
  }
}
