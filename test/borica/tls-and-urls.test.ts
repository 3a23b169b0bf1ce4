import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { loadTlsMaterial, TlsMaterialError } from '../../borica/tls';
import { customerRedirectUrl } from '../../borica/urls';
import { type DevPki, ensureDevPki } from '../../sandbox/pki';

describe('loadTlsMaterial', () => {
  let dir: string;
  let pki: DevPki;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'borica-tls-'));
    pki = await ensureDevPki({ dir: join(dir, 'pki') });
  });

  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('reads the certificate, key and CA as PEM', async () => {
    const material = await loadTlsMaterial({
      certPath: pki.clientCertPath,
      keyPath: pki.clientKeyPath,
      caPath: pki.caCertPath,
    });

    assert.equal(material.cert, pki.clientCertPem);
    assert.equal(material.key, pki.clientKeyPem);
    assert.equal(material.ca, pki.caCertPem);
    assert.equal('passphrase' in material, false);
  });

  it('leaves the CA out when no path is given, so the public roots apply', async () => {
    const material = await loadTlsMaterial({
      certPath: pki.clientCertPath,
      keyPath: pki.clientKeyPath,
      passphrase: 'p',
    });

    assert.equal('ca' in material, false);
    assert.equal(material.passphrase, 'p');
  });

  it('names the field and the path of a missing file', async () => {
    const missing = join(dir, 'nowhere.pem');

    const error = await loadTlsMaterial({ certPath: pki.clientCertPath, keyPath: missing }).catch(
      (caught: unknown) => caught,
    );

    assert.ok(error instanceof TlsMaterialError);
    assert.equal(error.field, 'key');
    assert.equal(error.path, missing);
    assert.match(error.message, /TLS key file .*nowhere\.pem does not exist/);
  });

  it('names the field of a file that is not PEM, without quoting it', async () => {
    const notPem = join(dir, 'ca.txt');
    await writeFile(notPem, 'secret-looking content');

    const error = await loadTlsMaterial({
      certPath: pki.clientCertPath,
      keyPath: pki.clientKeyPath,
      caPath: notPem,
    }).catch((caught: unknown) => caught);

    assert.ok(error instanceof TlsMaterialError);
    assert.equal(error.field, 'ca');
    assert.match(error.message, /holds no PEM CERTIFICATE block/);
    assert.doesNotMatch(error.message, /secret-looking/);
  });

  it('refuses a certificate where the key should be', async () => {
    await assert.rejects(loadTlsMaterial({ certPath: pki.clientCertPath, keyPath: pki.clientCertPath }), {
      name: 'TlsMaterialError',
      field: 'key',
    });
  });
});

describe('customerRedirectUrl', () => {
  it("builds the video-identification page from BORICA's base and the session id", () => {
    assert.equal(
      customerRedirectUrl('https://idtest.borica.bg', '56f6bccb-1635-444e-b983-79bc35d22743'),
      'https://idtest.borica.bg/session/56f6bccb-1635-444e-b983-79bc35d22743',
    );
  });

  it('handles trailing slashes and a base with a path', () => {
    assert.equal(
      customerRedirectUrl('https://idtest.borica.bg//', 'abc'),
      'https://idtest.borica.bg/session/abc',
    );
    assert.equal(
      customerRedirectUrl('http://127.0.0.1:8080/id/', 'abc'),
      'http://127.0.0.1:8080/id/session/abc',
    );
  });

  it('encodes the session id as one path segment', () => {
    assert.equal(
      customerRedirectUrl('https://idtest.borica.bg', 'a/b?c'),
      'https://idtest.borica.bg/session/a%2Fb%3Fc',
    );
  });

  it('refuses an empty session id', () => {
    assert.throws(() => customerRedirectUrl('https://idtest.borica.bg', ''), TypeError);
  });
});
