import assert from 'node:assert/strict';
import { createPrivateKey, X509Certificate } from 'node:crypto';
import { mkdtemp, readFile, rm, stat, unlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import forge from 'node-forge';
import { type DevPki, ensureDevPki } from '../../sandbox/pki';

describe('ensureDevPki', () => {
  let dir: string;
  let pki: DevPki;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'borica-pki-'));
    pki = await ensureDevPki({ dir, serverNames: ['sandbox.internal'] });
  });

  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('creates every file, with key files readable by the owner only', async () => {
    for (const path of [pki.caCertPath, pki.serverCertPath, pki.clientCertPath, pki.signerP12Path]) {
      assert.ok((await stat(path)).size > 0, path);
    }
    for (const path of [pki.caKeyPath, pki.serverKeyPath, pki.clientKeyPath, pki.signerP12Path]) {
      assert.equal((await stat(path)).mode & 0o777, 0o600, path);
    }
  });

  it('issues a server certificate that verifies against the CA and covers the local names', async () => {
    const ca = new X509Certificate(await readFile(pki.caCertPath));
    const server = new X509Certificate(await readFile(pki.serverCertPath));

    assert.ok(server.verify(ca.publicKey));
    assert.ok(server.checkIssued(ca));
    assert.equal(server.checkHost('localhost'), 'localhost');
    assert.equal(server.checkHost('sandbox.internal'), 'sandbox.internal');
    assert.equal(server.checkIP('127.0.0.1'), '127.0.0.1');
    assert.equal(server.checkIP('::1'), '::1');
  });

  it('issues the relying party client certificate from the same CA', () => {
    const ca = new X509Certificate(pki.caCertPem);
    const client = new X509Certificate(pki.clientCertPem);

    assert.ok(client.checkIssued(ca));
    assert.match(client.subject, /CN=borica-flows dev relying party/);
    assert.equal(client.checkPrivateKey(createPrivateKey(pki.clientKeyPem)), true);
  });

  it('stores a signing identity that opens with its passphrase', async () => {
    const der = (await readFile(pki.signerP12Path)).toString('binary');
    const p12 = forge.pkcs12.pkcs12FromAsn1(forge.asn1.fromDer(der), pki.signerP12Passphrase);
    const keyBag = p12.getBags({ bagType: forge.pki.oids.pkcs8ShroudedKeyBag as string });

    assert.equal(keyBag[forge.pki.oids.pkcs8ShroudedKeyBag as string]?.length, 1);
  });

  it('reuses the existing files on a second call', async () => {
    const again = await ensureDevPki({ dir, serverNames: ['sandbox.internal'] });

    assert.equal(again.caCertPem, pki.caCertPem);
    assert.equal(again.clientCertPem, pki.clientCertPem);
    assert.equal(await readFile(pki.serverCertPath, 'utf8'), await readFile(again.serverCertPath, 'utf8'));
  });

  it('issues only what is missing, from the existing CA', async () => {
    await unlink(pki.clientCertPath);

    const again = await ensureDevPki({ dir, serverNames: ['sandbox.internal'] });

    assert.equal(again.caCertPem, pki.caCertPem);
    assert.notEqual(again.clientCertPem, pki.clientCertPem);
    assert.ok(new X509Certificate(again.clientCertPem).checkIssued(new X509Certificate(pki.caCertPem)));
  });

  it('issues a new server certificate when a requested name is not covered', async () => {
    const before = await readFile(pki.serverCertPath, 'utf8');

    await ensureDevPki({ dir, serverNames: ['other.internal'] });

    const server = new X509Certificate(await readFile(pki.serverCertPath));
    assert.notEqual(server.toString(), before);
    assert.equal(server.checkHost('other.internal'), 'other.internal');
  });

  it('gives the same CA to parallel callers on a fresh directory', async () => {
    const fresh = await mkdtemp(join(tmpdir(), 'borica-pki-'));
    try {
      const [a, b] = await Promise.all([ensureDevPki({ dir: fresh }), ensureDevPki({ dir: fresh })]);
      assert.equal(a.caCertPem, b.caCertPem);
      assert.ok(new X509Certificate(b.clientCertPem).checkIssued(new X509Certificate(a.caCertPem)));
    } finally {
      await rm(fresh, { recursive: true, force: true });
    }
  });
});
