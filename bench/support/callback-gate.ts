/**
 * Stands between the sandbox and the receiver: it takes BORICA's callbacks, answers them as
 * delivered and keeps them, so that a benchmark can send them on to the receiver later at a
 * rate of its choosing. The bodies and URLs are the sandbox's own, untouched.
 */
import { once } from 'node:events';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface HeldCallback {
  /** `/callbacks/{workflowId}/{token}`. */
  readonly path: string;
  readonly body: string;
  readonly workflowId: string;
}

export interface ReleasedCallback {
  readonly status: number;
  /** `Date.now()` just before the request was sent. */
  readonly sentAt: number;
  /** Milliseconds until the receiver's answer arrived. */
  readonly latencyMs: number;
}

export interface CallbackGate {
  readonly url: string;
  /** Callbacks held so far, in arrival order. */
  readonly held: HeldCallback[];
  /** Sends one held callback to the receiver. */
  release(callback: HeldCallback): Promise<ReleasedCallback>;
  close(): Promise<void>;
}

export async function startCallbackGate(receiverUrl: string): Promise<CallbackGate> {
  const held: HeldCallback[] = [];
  const server = createServer((req, res) => hold(req, res, held));
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');

  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    held,
    async release(callback) {
      const sentAt = Date.now();
      const started = performance.now();
      const response = await fetch(`${receiverUrl}${callback.path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: callback.body,
      });
      await response.arrayBuffer();
      return { status: response.status, sentAt, latencyMs: performance.now() - started };
    },
    async close() {
      server.closeAllConnections();
      await new Promise<void>((done) => server.close(() => done()));
    },
  };
}

function hold(req: IncomingMessage, res: ServerResponse, held: HeldCallback[]): void {
  const chunks: Buffer[] = [];
  req.on('data', (chunk: Buffer) => chunks.push(chunk));
  req.on('end', () => {
    const path = req.url ?? '/';
    const workflowId = decodeURIComponent(path.split('/')[2] ?? '');
    held.push({ path, body: Buffer.concat(chunks).toString('utf8'), workflowId });
    res.writeHead(200, { 'content-type': 'application/json' }).end('{"outcome":"delivered"}');
  });
}
