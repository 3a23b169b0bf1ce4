/**
 * The Signing API v2 client: one long-lived undici connection pool over mutual TLS, every
 * request checked against {@link ./schemas} before it leaves and every answer checked after it
 * arrives. Failures are {@link ./errors!BoricaError}s whose messages never carry a body.
 *
 * @example
 * ```ts
 * const borica = createBoricaClient({
 *   baseUrl: 'https://cges-rptest.b-trust.bg/signing-api/v2',
 *   relyingPartyId: '24102167',
 *   tls: await loadTlsMaterial({ certPath, keyPath, caPath }),
 *   language: 'bg',
 * });
 *
 * const { data } = await borica.identify({
 *   personIdentityData: { docType: 'EGN', identificatorValue, dateOfBirth: '16-05-1978' },
 *   phoneNumber: '+359888133443',
 *   email,
 *   payer: 'RELYING_PARTY',
 *   identificationReason: 'Opening an account',
 * });
 * const poll = await borica.getIdentificationResult(data.callbackId);
 * if (poll.finished) store(poll.result.data.content);
 *
 * await borica.close();
 * ```
 *
 * Where BORICA's integration guide contradicts itself, this client chooses:
 * - `relyingPartyID` and `accept: application/json` go on every request, although some of the
 *   guide's header tables leave one of them out;
 * - `Content-Type` goes only on requests with a body, although some GET tables list it;
 * - the sign-session start is `/identification/web/signsession/start` with a single slash, where
 *   the guide prints `v2//identification`;
 * - the `onlyMetadata` path segment of a result download is sent only when the caller sets it,
 *   since the guide's own signature download goes without it.
 *
 * @module
 */

import type { Dispatcher } from 'undici';
import { buildConnector, errors, Pool } from 'undici';
import { z } from 'zod';
import type { BoricaApi, CallOptions, IdentificationPoll } from './api';
import { BoricaContractError, BoricaHttpError, BoricaNetworkError, BoricaRequestError } from './errors';
import {
  type CreateRegistrationRequest,
  createRegistrationRequest,
  createRegistrationResponse,
  type IdentificationRequest,
  identificationProgress,
  identificationRequest,
  identificationResponse,
  identificationResult,
  type Language,
  numericId,
  registrationStatusResponse,
  type StartSignSessionRequest,
  type StartWebIdentificationRequest,
  signedDocumentsResult,
  startSignSessionRequest,
  startSignSessionResponse,
  startWebIdentificationRequest,
  startWebIdentificationResponse,
  type WebIdentificationResultsRequest,
  webIdentificationResults,
  webIdentificationResultsRequest,
  webIdentificationStatusResponse,
} from './schemas';
import type { TlsMaterial } from './tls';

/** Options of {@link createBoricaClient}. */
export interface BoricaClientOptions {
  /** The API root, with its path: `https://cges-rptest.b-trust.bg/signing-api/v2`. */
  readonly baseUrl: string;
  /** The relying party ID BORICA assigned; sent as the `relyingPartyID` header. */
  readonly relyingPartyId: string;
  /** Client certificate, key and trusted CA; see {@link ./tls!loadTlsMaterial}. */
  readonly tls: TlsMaterial;
  /** Default `Accept-language`; a call's {@link ./api!CallOptions.language} wins. Omitted when unset. */
  readonly language?: Language;
  /** Limit for connecting (TCP and TLS), for the response headers and between body chunks. Default 15 000. */
  readonly timeoutMs?: number;
  /** Most connections kept open to BORICA at once. Default: undici's (no limit). */
  readonly connections?: number;
}

/**
 * Creates a {@link ./api!BoricaApi} over mutual TLS. Configuration mistakes (a base URL that is not
 * https, an empty relying party ID) throw a `TypeError` at once. Call `close()` when done.
 */
export function createBoricaClient(options: BoricaClientOptions): BoricaApi {
  return new HttpBoricaClient(options);
}

const DEFAULT_TIMEOUT_MS = 15_000;

/** One request as the engine sees it: path segments are encoded by the engine. */
interface Call {
  readonly operation: string;
  readonly method: 'GET' | 'POST';
  readonly segments: readonly string[];
  readonly body?: unknown;
  readonly options?: CallOptions | undefined;
}

interface Answer {
  readonly status: number;
  readonly body: unknown;
}

const relyingPartyIdSchema = z.string().regex(/^[A-Za-z0-9._-]{1,64}$/);
const pathId = z.string().min(1);
const signedDocumentsPath = z.object({ resultId: numericId, signSessionId: pathId });
type SignedDocumentsRequest = Parameters<BoricaApi['getSignedDocuments']>[0];

class HttpBoricaClient implements BoricaApi {
  readonly #pool: Pool;
  readonly #basePath: string;
  readonly #host: string;
  readonly #relyingPartyId: string;
  readonly #language: Language | undefined;

  constructor(options: BoricaClientOptions) {
    const url = parseBaseUrl(options.baseUrl);
    if (!relyingPartyIdSchema.safeParse(options.relyingPartyId).success) {
      throw new TypeError(
        'createBoricaClient: relyingPartyId must be the ID BORICA assigned (letters, digits, . _ -)',
      );
    }

    this.#pool = createPool(url, options);
    this.#basePath = url.pathname.replace(/\/+$/, '');
    this.#host = url.host;
    this.#relyingPartyId = options.relyingPartyId;
    this.#language = options.language;
  }

  async identify(request: IdentificationRequest, options?: CallOptions) {
    const operation = 'identification';
    const body = validate(operation, identificationRequest, request);
    const segments = ['identification'];
    const answer = await this.request({ operation, method: 'POST', segments, body, options });
    return parseAnswer(operation, identificationResponse, answer.body);
  }

  async getIdentificationResult(callbackId: string, options?: CallOptions): Promise<IdentificationPoll> {
    const operation = 'getIdentificationResult';
    const segments = ['identification', pathParam(operation, 'callbackId', callbackId)];
    const answer = await this.request({ operation, method: 'GET', segments, options });

    if (isStillRunning(answer)) {
      return { finished: false, progress: parseAnswer(operation, identificationProgress, answer.body) };
    }
    return { finished: true, result: parseAnswer(operation, identificationResult, answer.body) };
  }

  async startWebIdentification(request: StartWebIdentificationRequest, options?: CallOptions) {
    const operation = 'startWebIdentification';
    const body = validate(operation, startWebIdentificationRequest, request);
    const segments = ['identification', 'web', 'websession', 'start'];
    const answer = await this.request({ operation, method: 'POST', segments, body, options });
    return parseAnswer(operation, startWebIdentificationResponse, answer.body);
  }

  async createRegistration(webSessionId: string, request: CreateRegistrationRequest, options?: CallOptions) {
    const operation = 'createRegistration';
    const id = pathParam(operation, 'webSessionId', webSessionId);
    const body = validate(operation, createRegistrationRequest, request);
    const segments = ['identification', 'web', 'sessions', 'by-otc-request', id];
    const answer = await this.request({ operation, method: 'POST', segments, body, options });
    return parseAnswer(operation, createRegistrationResponse, answer.body);
  }

  async getWebIdentificationResults(request: WebIdentificationResultsRequest, options?: CallOptions) {
    const operation = 'getWebIdentificationResults';
    const path = validate(operation, resultsPath, request);
    const segments = ['identification', 'web', path.resultId, 'result', path.processState, path.sessionId];
    if (path.onlyMetadata !== undefined) segments.push(String(path.onlyMetadata));

    const answer = await this.request({ operation, method: 'GET', segments, options });
    return parseAnswer(operation, webIdentificationResults, answer.body);
  }

  async startSignSession(request: StartSignSessionRequest, options?: CallOptions) {
    const operation = 'startSignSession';
    const body = validate(operation, startSignSessionRequest, request);
    const segments = ['identification', 'web', 'signsession', 'start'];
    const answer = await this.request({ operation, method: 'POST', segments, body, options });
    return parseAnswer(operation, startSignSessionResponse, answer.body);
  }

  async getSignedDocuments(request: SignedDocumentsRequest, options?: CallOptions) {
    const operation = 'getSignedDocuments';
    const path = validate(operation, signedDocumentsPath, request);
    const segments = ['identification', 'web', path.resultId, 'result', 'SIGN_SESSION', path.signSessionId];
    const answer = await this.request({ operation, method: 'GET', segments, options });
    return parseAnswer(operation, signedDocumentsResult, answer.body);
  }

  async getRegistrationStatus(registrationId: string, options?: CallOptions) {
    const operation = 'getRegistrationStatus';
    const id = pathParam(operation, 'registrationId', registrationId);
    const segments = ['identification', 'web', 'sessions', 'by-otc-request', id, 'status'];
    const answer = await this.request({ operation, method: 'GET', segments, options });
    return parseAnswer(operation, registrationStatusResponse, answer.body);
  }

  async getWebIdentificationStatus(resultId: string, options?: CallOptions) {
    const operation = 'getWebIdentificationStatus';
    const segments = [
      'identification',
      'web',
      pathParam(operation, 'resultId', resultId, numericId),
      'status',
    ];
    const answer = await this.request({ operation, method: 'GET', segments, options });
    return parseAnswer(operation, webIdentificationStatusResponse, answer.body);
  }

  close(): Promise<void> {
    return this.#pool.close();
  }

  /** The engine: sends one call, reads the whole answer, turns every failure into a BoricaError. */
  private async request(call: Call): Promise<Answer> {
    const response = await this.send(call);
    const text = await this.readBody(call, response);
    const status = response.statusCode;

    if (status >= 400) throw httpError(call.operation, status, text);
    if (status < 200 || status > 299) {
      throw new BoricaContractError(call.operation, '(status)', `unexpected HTTP status ${status}`);
    }
    return { status, body: parseJson(call.operation, text, response.headers['content-type']) };
  }

  private async send(call: Call): Promise<Dispatcher.ResponseData> {
    const json = call.body === undefined ? undefined : JSON.stringify(call.body);
    const signal = call.options?.signal;

    try {
      return await this.#pool.request({
        method: call.method,
        path: `${this.#basePath}/${call.segments.map(encodeURIComponent).join('/')}`,
        headers: this.headers(call.options?.language, json !== undefined),
        ...(json === undefined ? {} : { body: json }),
        ...(signal === undefined ? {} : { signal }),
      });
    } catch (error) {
      throw this.networkError(call, error);
    }
  }

  private async readBody(call: Call, response: Dispatcher.ResponseData): Promise<string> {
    try {
      return await response.body.text();
    } catch (error) {
      throw this.networkError(call, error, true);
    }
  }

  private headers(language: Language | undefined, hasBody: boolean): Record<string, string> {
    const acceptLanguage = language ?? this.#language;
    return {
      relyingPartyID: this.#relyingPartyId,
      accept: 'application/json',
      ...(acceptLanguage === undefined ? {} : { 'Accept-language': acceptLanguage }),
      ...(hasBody ? { 'Content-Type': 'application/json' } : {}),
    };
  }

  /**
   * The caller's own abort is handed back untouched: it is a cancellation, not a network failure.
   * So is a call on a closed client or an argument undici refuses: retrying cannot fix a bug.
   */
  private networkError(call: Call, error: unknown, answered = false): unknown {
    if (call.options?.signal?.aborted || isUsageError(error)) return error;

    const requestSent = answered || !failedBeforeSending(error);
    return new BoricaNetworkError(call.operation, this.#host, { cause: error, requestSent });
  }
}

/** Path of a result download; `onlyMetadata` makes sense only while creating a sign session. */
const resultsPath = webIdentificationResultsRequest.refine(
  (path) => path.onlyMetadata === undefined || path.processState === 'CREATE_SIGN_SESSION_REQUEST',
  { path: ['onlyMetadata'], message: 'allowed only with processState CREATE_SIGN_SESSION_REQUEST' },
);

function parseBaseUrl(baseUrl: string): URL {
  const url = URL.canParse(baseUrl) ? new URL(baseUrl) : undefined;
  if (url?.protocol !== 'https:' || url.search !== '' || url.hash !== '') {
    throw new TypeError(
      'createBoricaClient: baseUrl must be an https URL without query, e.g. https://cges-rptest.b-trust.bg/signing-api/v2',
    );
  }
  return url;
}

function createPool(url: URL, options: BoricaClientOptions): Pool {
  const timeout = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  if (!Number.isInteger(timeout) || timeout <= 0) {
    throw new TypeError('createBoricaClient: timeoutMs must be a positive whole number of milliseconds');
  }

  const { cert, key, ca, passphrase } = options.tls;
  const connect = markingConnector({
    cert,
    key,
    ...(ca === undefined ? {} : { ca: ca as string | Buffer | Array<string | Buffer> }),
    ...(passphrase === undefined ? {} : { passphrase }),
    timeout,
  });
  return new Pool(url.origin, {
    connect,
    headersTimeout: timeout,
    bodyTimeout: timeout,
    ...(options.connections === undefined ? {} : { connections: options.connections }),
  });
}

/** Refuses to send a request that breaks the contract; the error names the field, never the value. */
function validate<S extends z.ZodType>(operation: string, schema: S, input: unknown): z.output<S> {
  const parsed = schema.safeParse(input);
  if (!parsed.success) throw BoricaRequestError.fromZod(operation, parsed.error);
  return parsed.data;
}

/** One id taken from the caller into the path; encoded later, so only emptiness or form is checked. */
function pathParam(
  operation: string,
  field: string,
  value: string,
  schema: z.ZodType<string> = pathId,
): string {
  const parsed = schema.safeParse(value);
  if (!parsed.success) {
    const detail = parsed.error.issues[0]?.message ?? 'invalid';
    throw new BoricaRequestError(operation, field, detail, { cause: parsed.error });
  }
  return parsed.data;
}

function parseAnswer<S extends z.ZodType>(operation: string, schema: S, body: unknown): z.output<S> {
  const parsed = schema.safeParse(body);
  if (!parsed.success) throw BoricaContractError.fromZod(operation, parsed.error);
  return parsed.data;
}

/**
 * The guide answers 206 while the customer has not finished and 200 once they have; a 200
 * whose `status` is not FINISHED is read as progress too, rather than failing the caller.
 */
function isStillRunning(answer: Answer): boolean {
  if (answer.status === 206) return true;
  const status = (answer.body as { status?: unknown } | null)?.status;
  return status !== undefined && status !== 'FINISHED';
}

/** The parse error is not kept as `cause`: its message quotes the body. */
function parseJson(operation: string, text: string, contentType: string | string[] | undefined): unknown {
  try {
    return JSON.parse(text);
  } catch {
    const received = text.length === 0 ? 'an empty body' : `a body of type ${mediaType(contentType)}`;
    throw new BoricaContractError(operation, '(body)', `expected JSON, received ${received}`);
  }
}

/** Error bodies are read leniently: a proxy's HTML page still yields the status. */
function httpError(operation: string, status: number, text: string): BoricaHttpError {
  const body = safeJson(text) as { code?: unknown; message?: unknown } | undefined;
  const code =
    typeof body?.code === 'string' && /^[A-Z][A-Z0-9_]{0,63}$/i.test(body.code) ? body.code : undefined;
  const message = typeof body?.message === 'string' ? body.message : undefined;
  return new BoricaHttpError(operation, status, code, message);
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function mediaType(contentType: string | string[] | undefined): string {
  const value = Array.isArray(contentType) ? contentType[0] : contentType;
  const type = value?.split(';')[0]?.trim();
  return type && /^[\w.+-]+\/[\w.+-]+$/.test(type) ? type : 'unknown';
}

function isUsageError(error: unknown): boolean {
  return (
    error instanceof errors.ClientClosedError ||
    error instanceof errors.ClientDestroyedError ||
    error instanceof errors.InvalidArgumentError
  );
}

/**
 * Errors raised while connecting (DNS, TCP, TLS handshake as the client sees it): the request had
 * not been written yet. Marked by the connector rather than guessed from error codes, because the
 * same code (ECONNRESET) can come before or after sending.
 */
const connectFailures = new WeakSet<object>();

function markingConnector(options: buildConnector.BuildOptions): buildConnector.connector {
  const connect = buildConnector(options);
  return (target, callback) =>
    connect(target, (...result) => {
      if (result[0]) connectFailures.add(result[0]);
      callback(...result);
    });
}

/**
 * Under TLS 1.3 the server checks the client certificate after the client considers the handshake
 * done and has sent its request, so a rejected certificate looks like a connection closed after
 * sending: `requestSent` stays `true` there, the safe answer.
 */
function failedBeforeSending(error: unknown): boolean {
  return typeof error === 'object' && error !== null && connectFailures.has(error);
}
