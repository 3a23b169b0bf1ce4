/**
 * The relying party's mutual-TLS material: the client certificate and key BORICA registered, and
 * the CA that signs BORICA's server certificate.
 *
 * @example
 * ```ts
 * const tls = await loadTlsMaterial({
 *   certPath: process.env.BORICA_CLIENT_CERT!,
 *   keyPath: process.env.BORICA_CLIENT_KEY!,
 *   caPath: process.env.BORICA_CA_CERT!,
 * });
 * const borica = createBoricaClient({ baseUrl, relyingPartyId, tls });
 * ```
 *
 * @module
 */
import { readFile } from 'node:fs/promises';

/** PEM material for {@link ./client!createBoricaClient}; strings or Buffers as Node's `tls` takes them. */
export interface TlsMaterial {
  /** The client certificate registered with BORICA, optionally followed by its chain. */
  readonly cert: string | Buffer;
  /** Its private key. */
  readonly key: string | Buffer;
  /**
   * The CA (or CAs) to trust for BORICA's server certificate. When absent, Node's built-in
   * public roots are trusted instead.
   */
  readonly ca?: string | Buffer | ReadonlyArray<string | Buffer>;
  /** Passphrase of an encrypted private key. */
  readonly passphrase?: string;
}

/** Paths given to {@link loadTlsMaterial}. */
export interface TlsMaterialPaths {
  readonly certPath: string;
  readonly keyPath: string;
  readonly caPath?: string;
  readonly passphrase?: string;
}

/** Which piece of TLS material a {@link TlsMaterialError} is about. */
export type TlsMaterialField = 'cert' | 'key' | 'ca';

/** A certificate, key or CA file is missing, unreadable or not PEM. The message names the field and the path. */
export class TlsMaterialError extends Error {
  constructor(
    readonly field: TlsMaterialField,
    readonly path: string,
    problem: string,
    options?: ErrorOptions,
  ) {
    super(`TLS ${field} file ${path} ${problem}`, options);
    this.name = 'TlsMaterialError';
  }
}

const PEM_LABELS: Record<TlsMaterialField, RegExp> = {
  cert: /-----BEGIN CERTIFICATE-----/,
  key: /-----BEGIN (?:RSA |EC |ENCRYPTED )?PRIVATE KEY-----/,
  ca: /-----BEGIN CERTIFICATE-----/,
};

/**
 * Reads the PEM files of the mutual-TLS channel. Fails with a {@link TlsMaterialError} naming the
 * field (`cert`, `key`, `ca`) and the path when a file is missing or holds no PEM block of the
 * expected kind. The contents are never part of an error.
 */
export async function loadTlsMaterial(paths: TlsMaterialPaths): Promise<TlsMaterial> {
  const [cert, key, ca] = await Promise.all([
    readPem('cert', paths.certPath),
    readPem('key', paths.keyPath),
    paths.caPath === undefined ? undefined : readPem('ca', paths.caPath),
  ]);

  return {
    cert,
    key,
    ...(ca === undefined ? {} : { ca }),
    ...(paths.passphrase === undefined ? {} : { passphrase: paths.passphrase }),
  };
}

async function readPem(field: TlsMaterialField, path: string): Promise<string> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw new TlsMaterialError(field, path, readProblem(error), { cause: error });
  }

  if (!PEM_LABELS[field].test(text)) {
    throw new TlsMaterialError(
      field,
      path,
      `holds no PEM ${expectedBlock(field)}; give the path of a PEM file`,
    );
  }
  return text;
}

function readProblem(error: unknown): string {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'ENOENT') return 'does not exist; check the path';
  if (code === 'EACCES') return 'is not readable by this process; check its permissions';
  if (code === 'EISDIR') return 'is a directory; give the path of a PEM file';
  return `could not be read (${code ?? 'unknown error'})`;
}

function expectedBlock(field: TlsMaterialField): string {
  return field === 'key' ? 'PRIVATE KEY block' : 'CERTIFICATE block';
}
