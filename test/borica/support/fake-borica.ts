import { readFile } from 'node:fs/promises';
import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http';
import { createServer, type Server } from 'node:https';
import { type AddressInfo, createServer as createTcpServer } from 'node:net';
import type { SecureVersion, TLSSocket } from 'node:tls';
import type { DevPki } from '../../../sandbox/pki';

/** A request as the fake saw it, after the mutual-TLS handshake succeeded. */
export interface RecordedRequest {
  readonly method: string;
  readonly path: string;
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
  readonly clientSubject: string | undefined;
}

/** What the fake answers: a JSON value, a raw string, or never. */
export type Reply = { status: number; json?: unknown; text?: string; contentType?: string } | 'hang';

export interface FakeBorica {
  readonly baseUrl: string;
  readonly requests: RecordedRequest[];
  /** Answers the next requests with this, until told otherwise. */
  answer(reply: Reply | ((request: RecordedRequest) => Reply)): void;
  close(): Promise<void>;
}

/**
 * BORICA's API as a plain local HTTPS server that demands a client certificate from the given
 * CA. It answers whatever the test told it to and records what it received.
 */
export async function startFakeBorica(
  pki: DevPki,
  options: { maxVersion?: SecureVersion } = {},
): Promise<FakeBorica> {
  const requests: RecordedRequest[] = [];
  let respond: (request: RecordedRequest) => Reply = () => ({
    status: 500,
    json: { code: 'ERROR', message: 'no reply scripted' },
  });

  const server = createServer(
    {
      cert: await readFile(pki.serverCertPath),
      key: await readFile(pki.serverKeyPath),
      ca: pki.caCertPem,
      requestCert: true,
      rejectUnauthorized: true,
      ...options,
    },
    (req, res) => {
      void record(req).then((request) => {
        requests.push(request);
        send(res, respond(request));
      });
    },
  );
  await listen(server);

  const { port } = server.address() as AddressInfo;
  return {
    baseUrl: `https://127.0.0.1:${port}/signing-api/v2`,
    requests,
    answer: (reply) => {
      respond = typeof reply === 'function' ? reply : () => reply;
    },
    close: () => closeServer(server),
  };
}

async function record(req: IncomingMessage): Promise<RecordedRequest> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);

  const socket = req.socket as TLSSocket;
  return {
    method: req.method ?? '',
    path: req.url ?? '',
    headers: req.headers,
    body: Buffer.concat(chunks).toString('utf8'),
    clientSubject: socket.getPeerCertificate().subject?.CN,
  };
}

function send(res: ServerResponse, reply: Reply): void {
  if (reply === 'hang') return;

  const body = reply.text ?? (reply.json === undefined ? '' : JSON.stringify(reply.json));
  res.writeHead(reply.status, { 'content-type': reply.contentType ?? 'application/json' });
  res.end(body);
}

function listen(server: Server): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
}

function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
}

/** A port on 127.0.0.1 where nothing listens: bound once, then released. */
export async function refusedPort(): Promise<number> {
  const server = createTcpServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}
