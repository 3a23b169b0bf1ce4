import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, readdir, readFile, rm, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import {
  createFileDocumentStore,
  DocumentIntegrityError,
  DocumentNotFoundError,
  DocumentStoreError,
  pruneFileDocumentStore,
} from '../../activities/document-store';
import { generateKeySpec, parseKeyRing } from '../../codec/keys';

describe('file document store', () => {
  let dir: string;
  const oldKey = generateKeySpec('2025');
  const keys = parseKeyRing(oldKey);

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'document-store-'));
  });
  after(() => rm(dir, { recursive: true, force: true }));

  it('gives back exactly what was put, for a 20 MB document too', async () => {
    const store = createFileDocumentStore({ dir, keys });
    const bytes = randomBytes(20 * 1024 * 1024);

    const ref = await store.put(bytes);

    assert.equal(ref.size, bytes.length);
    assert.match(ref.sha256, /^[0-9a-f]{64}$/);
    assert.ok((await store.get(ref)).equals(bytes));
  });

  it('writes no plaintext and leaves no temporary file', async () => {
    const store = createFileDocumentStore({ dir: join(dir, 'plain'), keys });
    const marker = 'EGN 7805166742 Ivan Ivanov';
    const bytes = Buffer.from(`%PDF-1.7\n${marker.repeat(100)}\n%%EOF`);

    const ref = await store.put(bytes);

    const files = await readdir(join(dir, 'plain'));
    assert.deepEqual(files, [ref.id]);
    const stored = await readFile(join(dir, 'plain', ref.id));
    assert.equal(stored.includes(Buffer.from(marker)), false);
    assert.equal(stored.includes(Buffer.from('%PDF')), false);
  });

  it('refuses a file whose bytes were altered', async () => {
    const store = createFileDocumentStore({ dir, keys });
    const ref = await store.put(Buffer.from('%PDF contract'));
    const path = join(dir, ref.id);
    const stored = await readFile(path);
    stored.writeUInt8(stored.readUInt8(stored.length - 20) ^ 1, stored.length - 20);
    await writeFile(path, stored);

    await assert.rejects(store.get(ref), DocumentIntegrityError);
  });

  it('refuses a reference whose hash does not match, and one file moved onto another id', async () => {
    const store = createFileDocumentStore({ dir, keys });
    const first = await store.put(Buffer.from('%PDF first'));
    const second = await store.put(Buffer.from('%PDF second'));

    await assert.rejects(store.get({ ...first, sha256: second.sha256 }), DocumentIntegrityError);
    await writeFile(join(dir, second.id), await readFile(join(dir, first.id)));
    await assert.rejects(
      store.get({ ...second, sha256: first.sha256, size: first.size }),
      DocumentIntegrityError,
    );
  });

  it('reads documents written under a key that is no longer the first', async () => {
    const ref = await createFileDocumentStore({ dir, keys }).put(Buffer.from('%PDF written in 2025'));
    const rotated = createFileDocumentStore({
      dir,
      keys: parseKeyRing(`${generateKeySpec('2026')},${oldKey}`),
    });

    assert.equal((await rotated.get(ref)).toString(), '%PDF written in 2025');
    const fresh = await rotated.put(Buffer.from('%PDF written in 2026'));
    assert.equal((await readFile(join(dir, fresh.id))).subarray(2, 6).toString(), '2026');
  });

  it('names the missing key, and never the document, when it was dropped from the ring', async () => {
    const ref = await createFileDocumentStore({ dir, keys }).put(Buffer.from('%PDF secret'));
    const withoutOldKey = createFileDocumentStore({ dir, keys: parseKeyRing(generateKeySpec('2027')) });

    await assert.rejects(withoutOldKey.get(ref), (error: unknown) => {
      assert.ok(error instanceof DocumentStoreError);
      assert.match(error.message, /key "2025".*PAYLOAD_ENCRYPTION_KEYS/);
      assert.doesNotMatch(error.message, /secret/);
      return true;
    });
  });

  it('reports an unknown id, and will not read outside its directory', async () => {
    const store = createFileDocumentStore({ dir, keys });
    const ref = await store.put(Buffer.from('%PDF'));

    await assert.rejects(
      store.get({ ...ref, id: '00000000-0000-4000-8000-000000000000' }),
      DocumentNotFoundError,
    );
    await assert.rejects(store.get({ ...ref, id: '../../etc/passwd' }), DocumentNotFoundError);
  });

  it('deletes a document for good, and says when there was none', async () => {
    const store = createFileDocumentStore({ dir, keys });
    const ref = await store.put(Buffer.from('%PDF to forget'));

    assert.equal(await store.delete(ref), true);
    await assert.rejects(store.get(ref), DocumentNotFoundError);
    assert.equal(await store.delete(ref), false);
    assert.equal(await store.delete({ id: '../../etc/passwd' }), false);
  });

  it('prunes documents and crashed writes stored before a date, and nothing else', async () => {
    const pruned = join(dir, 'pruned');
    await mkdir(pruned);
    const store = createFileDocumentStore({ dir: pruned, keys });
    const old = await store.put(Buffer.from('%PDF stored last year'));
    const recent = await store.put(Buffer.from('%PDF stored today'));
    const crashedWrite = `${old.id}.00000000-0000-4000-8000-000000000000.tmp`;
    await writeFile(join(pruned, crashedWrite), 'half a document');
    await writeFile(join(pruned, 'README'), "not the store's");
    const lastYear = new Date(Date.now() - 365 * 24 * 60 * 60 * 1000);
    for (const name of [old.id, crashedWrite, 'README']) await utimes(join(pruned, name), lastYear, lastYear);

    const result = await pruneFileDocumentStore(pruned, new Date(Date.now() - 30 * 24 * 60 * 60 * 1000));

    assert.deepEqual(result, { deleted: 2, kept: 1 });
    assert.deepEqual((await readdir(pruned)).sort(), ['README', recent.id].sort());
    assert.deepEqual(await store.get(recent), Buffer.from('%PDF stored today'));
    assert.deepEqual(await pruneFileDocumentStore(join(dir, 'never-created'), new Date()), {
      deleted: 0,
      kept: 0,
    });
  });
});
