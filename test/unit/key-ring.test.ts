import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { generateKeySpec, open, parseKeyRing, seal } from '../../codec/keys';

describe('key ring', () => {
  it('encrypts with the first key and decrypts with any configured key', () => {
    const oldKey = generateKeySpec('2025');
    const ringBefore = parseKeyRing(oldKey);
    const sealed = seal(ringBefore, Buffer.from('7805166742'));

    const ringAfter = parseKeyRing(`${generateKeySpec('2026')},${oldKey}`);

    assert.equal(open(ringAfter, sealed).toString(), '7805166742');
    assert.equal(seal(ringAfter, Buffer.from('x')).keyId, '2026');
  });

  it('refuses data that was altered', () => {
    const ring = parseKeyRing(generateKeySpec('k1'));
    const sealed = seal(ring, Buffer.from('signed contract'));
    const last = sealed.data.length - 1;
    sealed.data.writeUInt8(sealed.data.readUInt8(last) ^ 1, last);

    assert.throws(() => open(ring, sealed), /unable to authenticate|Unsupported state/);
  });

  it('names the malformed entry without echoing key material', () => {
    assert.throws(
      () => parseKeyRing('k1:c2hvcnQ='),
      (error: Error) => {
        assert.match(error.message, /key "k1" must be 32 bytes/);
        assert.doesNotMatch(error.message, /c2hvcnQ/);
        return true;
      },
    );
    assert.throws(() => parseKeyRing(' , '), /at least one key/);
  });
});
