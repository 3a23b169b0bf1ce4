/**
 * The development PKI: a private CA, the sandbox's server certificate, the relying party's client
 * certificate and a document-signing identity, all kept as files so that every process (sandbox,
 * worker, tests) shares them. Nothing here is fit for production; it exists so that mutual TLS is
 * exercised for real on a developer's machine.
 */
import { generateKeyPair } from 'node:crypto';
import { mkdir, open, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { isIP } from 'node:net';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import forge from 'node-forge';

export interface DevPki {
  dir: string;
  caCertPath: string;
  caKeyPath: string;
  serverCertPath: string;
  serverKeyPath: string;
  clientCertPath: string;
  clientKeyPath: string;
  signerP12Path: string;
  signerP12Passphrase: string;
  caCertPem: string;
  clientCertPem: string;
  clientKeyPem: string;
}

export interface DevPkiOptions {
  /** Where the files live; default `<repo>/.local/sandbox-pki`. */
  dir?: string;
  /** Names the server certificate must cover besides localhost, 127.0.0.1 and ::1 (DNS names or IPs). */
  serverNames?: string[];
}

/** A fixed passphrase: the identity is a throwaway development key, the file is git-ignored. */
const SIGNER_P12_PASSPHRASE = 'borica-flows-sandbox';

const DEFAULT_DIR = resolve(__dirname, '..', '.local', 'sandbox-pki');
const BASE_SERVER_NAMES = ['localhost', '127.0.0.1', '::1'];
const CA_YEARS = 10;
const LEAF_YEARS = 2;
const LOCK_STALE_MS = 60_000;

const generateRsa = promisify(generateKeyPair);

interface Identity {
  cert: forge.pki.Certificate;
  key: forge.pki.rsa.PrivateKey;
  certPem: string;
  keyPem: string;
}

interface LeafProfile {
  commonName: string;
  extensions: object[];
  coversNames?: string[];
}

/**
 * Creates what is missing under `dir` (default `<repo>/.local/sandbox-pki`) and reuses what exists.
 * A leaf certificate is issued again when it is missing, expired, not signed by the current CA or
 * (for the server) does not cover every requested name. Safe to call from parallel processes.
 */
export async function ensureDevPki(options: DevPkiOptions = {}): Promise<DevPki> {
  const paths = pkiPaths(resolve(options.dir ?? DEFAULT_DIR));
  await mkdir(paths.dir, { recursive: true, mode: 0o700 });

  return withLock(join(paths.dir, '.lock'), async () => {
    const ca = await ensureCa(paths.caCertPath, paths.caKeyPath);
    const serverNames = unique([...BASE_SERVER_NAMES, ...(options.serverNames ?? [])]);

    await ensureLeaf(ca, paths.serverCertPath, paths.serverKeyPath, serverProfile(serverNames));
    const client = await ensureLeaf(ca, paths.clientCertPath, paths.clientKeyPath, clientProfile());
    await ensureSignerP12(ca, paths.signerP12Path);

    return {
      ...paths,
      signerP12Passphrase: SIGNER_P12_PASSPHRASE,
      caCertPem: ca.certPem,
      clientCertPem: client.certPem,
      clientKeyPem: client.keyPem,
    };
  });
}

function pkiPaths(dir: string) {
  return {
    dir,
    caCertPath: join(dir, 'ca.pem'),
    caKeyPath: join(dir, 'ca-key.pem'),
    serverCertPath: join(dir, 'server.pem'),
    serverKeyPath: join(dir, 'server-key.pem'),
    clientCertPath: join(dir, 'client.pem'),
    clientKeyPath: join(dir, 'client-key.pem'),
    signerP12Path: join(dir, 'signer.p12'),
  };
}

async function ensureCa(certPath: string, keyPath: string): Promise<Identity> {
  const existing = await readIdentity(certPath, keyPath);
  if (existing && isCurrent(existing.cert)) return existing;

  const keys = await newRsaKey();
  const subject = [{ name: 'commonName', value: 'borica-flows development CA' }];
  const cert = newCertificate(keys.publicKey, subject, CA_YEARS);
  cert.setIssuer(subject);
  cert.setExtensions([
    { name: 'basicConstraints', cA: true, critical: true },
    { name: 'keyUsage', keyCertSign: true, cRLSign: true, critical: true },
    { name: 'subjectKeyIdentifier' },
  ]);
  cert.sign(keys.privateKey, forge.md.sha256.create());

  return saveIdentity(cert, keys.privateKey, certPath, keyPath);
}

async function ensureLeaf(ca: Identity, certPath: string, keyPath: string, profile: LeafProfile) {
  const existing = await readIdentity(certPath, keyPath);
  if (existing && isUsableLeaf(existing.cert, ca.cert, profile)) return existing;

  const issued = await issueLeaf(ca, profile);
  return saveIdentity(issued.cert, issued.key, certPath, keyPath);
}

async function ensureSignerP12(ca: Identity, p12Path: string): Promise<void> {
  const existing = await readSignerCert(p12Path);
  if (existing && isUsableLeaf(existing, ca.cert, signerProfile())) return;

  const { cert, key } = await issueLeaf(ca, signerProfile());
  const asn1 = forge.pkcs12.toPkcs12Asn1(key, [cert, ca.cert], SIGNER_P12_PASSPHRASE, {
    algorithm: '3des',
    friendlyName: 'sandbox signer',
  });
  const der = Buffer.from(forge.asn1.toDer(asn1).getBytes(), 'binary');
  await writeAtomically(p12Path, der, 0o600);
}

async function issueLeaf(ca: Identity, profile: LeafProfile) {
  const keys = await newRsaKey();
  const cert = newCertificate(
    keys.publicKey,
    [{ name: 'commonName', value: profile.commonName }],
    LEAF_YEARS,
  );
  cert.setIssuer(ca.cert.subject.attributes);
  cert.setExtensions([
    { name: 'basicConstraints', cA: false, critical: true },
    { name: 'subjectKeyIdentifier' },
    { name: 'authorityKeyIdentifier', keyIdentifier: ca.cert.generateSubjectKeyIdentifier().getBytes() },
    ...profile.extensions,
  ]);
  cert.sign(ca.key, forge.md.sha256.create());
  return { cert, key: keys.privateKey };
}

function serverProfile(names: string[]): LeafProfile {
  const altNames = names.map((name) => (isIP(name) ? { type: 7, ip: name } : { type: 2, value: name }));
  return {
    commonName: 'borica-flows sandbox',
    coversNames: names,
    extensions: [
      { name: 'keyUsage', digitalSignature: true, keyEncipherment: true, critical: true },
      { name: 'extKeyUsage', serverAuth: true },
      { name: 'subjectAltName', altNames },
    ],
  };
}

function clientProfile(): LeafProfile {
  return {
    commonName: 'borica-flows dev relying party',
    extensions: [
      { name: 'keyUsage', digitalSignature: true, keyEncipherment: true, critical: true },
      { name: 'extKeyUsage', clientAuth: true },
    ],
  };
}

function signerProfile(): LeafProfile {
  return {
    commonName: 'borica-flows sandbox signer',
    extensions: [
      { name: 'keyUsage', digitalSignature: true, nonRepudiation: true, critical: true },
      { name: 'extKeyUsage', emailProtection: true },
    ],
  };
}

function newCertificate(
  publicKey: forge.pki.PublicKey,
  subject: forge.pki.CertificateField[],
  years: number,
) {
  const cert = forge.pki.createCertificate();
  cert.publicKey = publicKey;
  // A leading 01 keeps the DER integer positive.
  cert.serialNumber = `01${forge.util.bytesToHex(forge.random.getBytesSync(15))}`;
  cert.validity.notBefore = new Date(Date.now() - 60_000);
  cert.validity.notAfter = new Date(Date.now() + years * 365 * 24 * 3600 * 1000);
  cert.setSubject(subject);
  return cert;
}

async function newRsaKey() {
  const { privateKey } = await generateRsa('rsa', {
    modulusLength: 2048,
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
    publicKeyEncoding: { type: 'spki', format: 'pem' },
  });
  const key = forge.pki.privateKeyFromPem(privateKey);
  return { privateKey: key, publicKey: forge.pki.setRsaPublicKey(key.n, key.e) };
}

function isUsableLeaf(cert: forge.pki.Certificate, caCert: forge.pki.Certificate, profile: LeafProfile) {
  if (!isCurrent(cert) || !issuedBy(cert, caCert)) return false;
  if (profile.coversNames === undefined) return true;

  const covered = coveredNames(cert);
  return profile.coversNames.every((name) => covered.has(name));
}

function isCurrent(cert: forge.pki.Certificate): boolean {
  const now = Date.now();
  return cert.validity.notBefore.getTime() <= now && now < cert.validity.notAfter.getTime();
}

function issuedBy(cert: forge.pki.Certificate, caCert: forge.pki.Certificate): boolean {
  try {
    return caCert.verify(cert);
  } catch {
    // forge throws instead of answering false when the issuer name differs.
    return false;
  }
}

function coveredNames(cert: forge.pki.Certificate): Set<string> {
  const extension = cert.getExtension('subjectAltName') as {
    altNames?: { value?: string; ip?: string }[];
  } | null;
  const names = (extension?.altNames ?? []).map((alt) => alt.ip ?? alt.value ?? '');
  return new Set(names.map(normalizeName));
}

function normalizeName(name: string): string {
  // forge renders IPv6 addresses uncompressed; compare ::1 and 0:0:...:1 as the same name.
  return name === '0:0:0:0:0:0:0:1' ? '::1' : name;
}

async function readIdentity(certPath: string, keyPath: string): Promise<Identity | undefined> {
  const [certPem, keyPem] = await Promise.all([readIfExists(certPath), readIfExists(keyPath)]);
  if (certPem === undefined || keyPem === undefined) return undefined;

  try {
    const cert = forge.pki.certificateFromPem(certPem);
    const key = forge.pki.privateKeyFromPem(keyPem);
    if (!keyMatches(cert, key)) return undefined;
    return { cert, key, certPem, keyPem };
  } catch {
    // An unreadable file is replaced, as a missing one would be.
    return undefined;
  }
}

async function readSignerCert(p12Path: string): Promise<forge.pki.Certificate | undefined> {
  const der = await readIfExists(p12Path, 'binary');
  if (der === undefined) return undefined;

  try {
    const p12 = forge.pkcs12.pkcs12FromAsn1(forge.asn1.fromDer(der), SIGNER_P12_PASSPHRASE);
    const bags = p12.getBags({ bagType: forge.pki.oids.certBag as string })[forge.pki.oids.certBag as string];
    return bags?.find((bag) => bag.cert?.subject.getField('CN')?.value === signerProfile().commonName)?.cert;
  } catch {
    return undefined;
  }
}

function keyMatches(cert: forge.pki.Certificate, key: forge.pki.rsa.PrivateKey): boolean {
  const publicKey = cert.publicKey as forge.pki.rsa.PublicKey;
  return publicKey.n.equals(key.n) && publicKey.e.equals(key.e);
}

async function saveIdentity(
  cert: forge.pki.Certificate,
  key: forge.pki.rsa.PrivateKey,
  certPath: string,
  keyPath: string,
) {
  const certPem = forge.pki.certificateToPem(cert);
  const keyPem = forge.pki.privateKeyToPem(key);
  await writeAtomically(keyPath, keyPem, 0o600);
  await writeAtomically(certPath, certPem, 0o644);
  return { cert, key, certPem, keyPem };
}

async function writeAtomically(path: string, data: string | Buffer, mode: number): Promise<void> {
  const temporary = `${path}.${process.pid}.tmp`;
  await writeFile(temporary, data, { mode });
  await rename(temporary, path);
}

async function readIfExists(path: string, encoding: BufferEncoding = 'utf8'): Promise<string | undefined> {
  try {
    return await readFile(path, encoding);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

/** A lock file so that parallel test processes never pair one process's CA key with another's certificate. */
async function withLock<T>(lockPath: string, work: () => Promise<T>): Promise<T> {
  await acquireLock(lockPath);
  try {
    return await work();
  } finally {
    await rm(lockPath, { force: true });
  }
}

async function acquireLock(lockPath: string): Promise<void> {
  for (;;) {
    try {
      const handle = await open(lockPath, 'wx');
      await handle.close();
      return;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }

    await removeIfStale(lockPath);
    await new Promise((wake) => setTimeout(wake, 50));
  }
}

async function removeIfStale(lockPath: string): Promise<void> {
  const info = await stat(lockPath).catch(() => undefined);
  if (info && Date.now() - info.mtimeMs > LOCK_STALE_MS) await rm(lockPath, { force: true });
}

function unique(names: string[]): string[] {
  return [...new Set(names.map(normalizeName))];
}
