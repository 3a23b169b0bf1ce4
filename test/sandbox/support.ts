import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before } from 'node:test';
import { PDFDocument, StandardFonts } from 'pdf-lib';
import { Agent, request } from 'undici';
import type { BoricaApi } from '../../borica/api';
import { createBoricaClient } from '../../borica/client';
import type {
  CreateRegistrationRequest,
  IdentificationRequest,
  StartSignSessionRequest,
} from '../../borica/schemas';
import { createLogger } from '../../common/logger';
import { type RunningSandbox, type SandboxOptions, startSandbox } from '../../sandbox/index';

/** Every log line the sandbox wrote during a test, to prove none carries personal data. */
export const logLines: string[] = [];

/** A sandbox with fast callback retries and a logger that writes into {@link logLines}. */
export function startTestSandbox(options: SandboxOptions = {}): Promise<RunningSandbox> {
  const logger = createLogger('sandbox', { write: (line: string) => logLines.push(line) });
  logger.level = 'debug';
  return startSandbox({ ...options, logger, timings: { callbackRetryDelayMs: 20, ...options.timings } });
}

export function clientFor(sandbox: RunningSandbox): BoricaApi {
  const { pki } = sandbox;
  return createBoricaClient({
    baseUrl: sandbox.apiBaseUrl,
    relyingPartyId: sandbox.relyingPartyId,
    tls: { cert: pki.clientCertPem, key: pki.clientKeyPem, ca: pki.caCertPem },
  });
}

export interface RawAnswer {
  status: number;
  body: unknown;
}

/** A request the project's client would refuse to send, straight over mutual TLS. */
export async function rawApi(
  sandbox: RunningSandbox,
  method: 'GET' | 'POST',
  path: string,
  options: { body?: string | object; headers?: Record<string, string> } = {},
): Promise<RawAnswer> {
  const { pki } = sandbox;
  const dispatcher = new Agent({
    connect: { cert: pki.clientCertPem, key: pki.clientKeyPem, ca: pki.caCertPem },
  });
  try {
    const body = typeof options.body === 'object' ? JSON.stringify(options.body) : options.body;
    const response = await request(`${sandbox.apiBaseUrl}${path}`, {
      method,
      dispatcher,
      headers: {
        relyingPartyID: sandbox.relyingPartyId,
        'content-type': 'application/json',
        ...options.headers,
      },
      ...(body === undefined ? {} : { body }),
    });
    const text = await response.body.text();
    return { status: response.statusCode, body: text ? JSON.parse(text) : undefined };
  } finally {
    await dispatcher.close();
  }
}

/** A plain-HTTP call to the control API or a customer page. */
export async function web(
  url: string,
  method: 'GET' | 'POST' | 'PUT' | 'DELETE' = 'GET',
  body?: object | URLSearchParams,
): Promise<{ status: number; text: string; json: () => unknown }> {
  const form = body instanceof URLSearchParams;
  const response = await fetch(url, {
    method,
    ...(body === undefined ? {} : { body: form ? body : JSON.stringify(body) }),
    headers: form
      ? { 'content-type': 'application/x-www-form-urlencoded' }
      : { 'content-type': 'application/json' },
  });
  const text = await response.text();
  return { status: response.status, text, json: () => JSON.parse(text) };
}

export const identificationRequest: IdentificationRequest = {
  personIdentityData: { docType: 'EGN', identificatorValue: '7805166742', dateOfBirth: '16-05-1978' },
  phoneNumber: '+359888133443',
  email: 'customer@example.com',
  payer: 'RELYING_PARTY',
  identificationReason: 'Opening an account',
};

export const registrationRequest: CreateRegistrationRequest = {
  cancelUrl: 'https://bank.example/cancel',
  deviceFingerprint: {},
  externalRef: 'order-1',
  successUrl: 'https://bank.example/success',
  userLanguage: 'bg',
  verifyEmailAddress: true,
  verifyPhoneNumber: true,
};

/** A one-page PDF of the kind a relying party asks its customer to sign. */
export async function contractPdf(text = 'Loan agreement'): Promise<Buffer> {
  const doc = await PDFDocument.create();
  const page = doc.addPage([595, 842]);
  page.drawText(text, { x: 60, y: 760, size: 18, font: await doc.embedFont(StandardFonts.Helvetica) });
  return Buffer.from(await doc.save());
}

export async function signRequest(
  identity: { identifier: string; signSessionId: string },
  documents?: StartSignSessionRequest['documentsForSign'],
): Promise<StartSignSessionRequest> {
  return {
    identifier: identity.identifier,
    signSessionId: identity.signSessionId,
    documentsForSign: documents ?? [
      {
        contentAsBase64: (await contractPdf()).toString('base64'),
        fileName: 'contract.pdf',
        legalFileName: 'Loan agreement',
        padesVisualSignature: true,
        signaturePosition: {
          imageHeight: 60,
          imageWidth: 180,
          imageXAxis: 60,
          imageYAxis: 700,
          pageNumber: 1,
        },
      },
    ],
    sendSignedDocumentsByEmail: false,
    cancelUrl: 'https://bank.example/cancel',
    successUrl: 'https://bank.example/success',
  };
}

/** Starts a web identification and its registration. */
export async function startWebIdentification(borica: BoricaApi, callbackUrl: string) {
  const started = await borica.startWebIdentification({
    requestCallbackUrl: callbackUrl,
    identificationReason: 'Opening an account',
  });
  const registration = await borica.createRegistration(started.data.webSessionId, registrationRequest);
  return { ...started.data, registration };
}

/** A web identification taken all the way to a sign session. */
export async function identifiedCustomer(sandbox: RunningSandbox, borica: BoricaApi, callbackUrl: string) {
  const started = await startWebIdentification(borica, callbackUrl);
  await sandbox.control.web(started.registration.sessionId, 'complete', { name: 'Maria Petrova' });
  const result = await borica.getWebIdentificationResults({
    resultId: started.resultId,
    processState: 'CREATE_SIGN_SESSION_REQUEST',
    sessionId: started.webSessionId,
  });
  return { ...started, identifier: result.data.clientIdentifier, signSessionId: result.data.signSessionId };
}

export interface ReceivedCallback {
  path: string;
  body: unknown;
}

/**
 * The relying party's callback endpoint: records what arrives and answers with the scripted
 * statuses in turn (200 once the script runs out).
 */
export class CallbackReceiver {
  readonly received: ReceivedCallback[] = [];
  private script: number[] = [];
  private waiters: { count: number; wake: () => void }[] = [];

  private constructor(private readonly server: Server) {}

  static async start(): Promise<CallbackReceiver> {
    const server = createServer();
    const receiver = new CallbackReceiver(server);
    server.on('request', (incoming, response) => {
      void readJson(incoming).then((body) => {
        response.statusCode = receiver.script.shift() ?? 200;
        response.end();
        if (response.statusCode < 300) receiver.record({ path: incoming.url ?? '', body });
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return receiver;
  }

  /** A callback URL ending in a token segment, as the project builds them. */
  url(name = 'wf-1'): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/callbacks/${name}/secret-token`;
  }

  answerWith(...statuses: number[]): void {
    this.script.push(...statuses);
  }

  /** Resolves once `count` callbacks have been accepted. */
  waitFor(count: number): Promise<ReceivedCallback[]> {
    if (this.received.length >= count) return Promise.resolve(this.received);
    return new Promise((resolve) => this.waiters.push({ count, wake: () => resolve(this.received) }));
  }

  close(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  private record(callback: ReceivedCallback): void {
    this.received.push(callback);
    for (const waiter of this.waiters.filter((w) => this.received.length >= w.count)) waiter.wake();
    this.waiters = this.waiters.filter((w) => this.received.length < w.count);
  }
}

async function readJson(incoming: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  for await (const chunk of incoming) chunks.push(chunk as Buffer);
  const text = Buffer.concat(chunks).toString('utf8');
  return text ? JSON.parse(text) : undefined;
}

/** What {@link sandboxSuite} starts for a `describe` block. */
export interface SandboxSuite {
  readonly sandbox: RunningSandbox;
  readonly borica: BoricaApi;
  readonly receiver: CallbackReceiver;
}

/**
 * Starts a sandbox, a BORICA client for it and a callback receiver before the enclosing suite's
 * tests, and closes them after; the fields are set once `before` has run.
 */
export function sandboxSuite(options: SandboxOptions = {}): SandboxSuite {
  const suite = {} as { sandbox: RunningSandbox; borica: BoricaApi; receiver: CallbackReceiver };
  before(async () => {
    suite.sandbox = await startTestSandbox(options);
    suite.borica = clientFor(suite.sandbox);
    suite.receiver = await CallbackReceiver.start();
  });
  after(async () => {
    await suite.borica?.close();
    await suite.sandbox?.close();
    await suite.receiver?.close();
  });
  return suite;
}
