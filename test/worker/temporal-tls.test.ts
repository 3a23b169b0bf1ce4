/**
 * The worker, the receiver and the CLI reach a Temporal server that demands mutual TLS: a TLS
 * terminator in front of a dev server (which speaks only plain gRPC) asks for a client
 * certificate signed by the test CA and forwards the decrypted stream.
 */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { type AddressInfo, connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createServer, type Server, type TLSSocket } from 'node:tls';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { generateKeySpec } from '../../codec/keys';
import { type DevPki, ensureDevPki } from '../../sandbox/pki';
import { devServerExecutable } from '../../scripts/temporal-binaries';
import { searchAttributes } from '../../workflows/definitions';
import { NodeProcess, runCli, workerBoricaEnv } from './child-process';

describe('Temporal behind mutual TLS', () => {
  let env: TestWorkflowEnvironment;
  let dir: string;
  let pki: DevPki;
  let terminator: TlsTerminator;
  let temporalEnv: NodeJS.ProcessEnv;

  before(async () => {
    env = await TestWorkflowEnvironment.createLocal({
      server: { executable: devServerExecutable(), searchAttributes },
    });
    dir = await mkdtemp(join(tmpdir(), 'borica-temporal-tls-'));
    pki = await ensureDevPki({ dir: join(dir, 'pki') });
    terminator = await startTlsTerminator(pki, env.address);
    temporalEnv = {
      TEMPORAL_ADDRESS: `localhost:${terminator.port}`,
      TEMPORAL_TLS_SERVER_CA_CERT_PATH: pki.caCertPath,
      TEMPORAL_TLS_CLIENT_CERT_PATH: pki.clientCertPath,
      TEMPORAL_TLS_CLIENT_KEY_PATH: pki.clientKeyPath,
      PAYLOAD_ENCRYPTION_KEYS: generateKeySpec('test'),
    };
  });

  after(async () => {
    terminator?.server.close();
    await env?.teardown();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('the worker connects with its client certificate and polls', async () => {
    const before = terminator.handshakes.authorized;
    const worker = new NodeProcess('worker/main.ts', {
      ...temporalEnv,
      TEMPORAL_TASK_QUEUE: `temporal-tls-${process.pid}`,
      ...workerBoricaEnv(pki, dir),
    });
    try {
      await worker.waitForLog((line) => line.msg === 'Worker state changed' && line.state === 'RUNNING');
      assert.ok(terminator.handshakes.authorized > before, 'the worker presented the client certificate');

      worker.signal('SIGTERM');
      assert.equal(await worker.exited, 0);
    } finally {
      await worker.stop();
    }
  });

  it('the receiver reports Temporal healthy through it', async () => {
    const receiver = new NodeProcess('webhook-receiver/main.ts', {
      ...temporalEnv,
      RECEIVER_PORT: '0',
      CALLBACK_SECRET: 'a-callback-secret-that-is-long-enough-0123456789',
      BORICA_RELYING_PARTY_ID: '24102167',
    });
    try {
      const listening = await receiver.waitForLog((line) => line.msg === 'receiver listening');
      assert.equal((await fetch(`http://127.0.0.1:${listening.port}/healthz`)).status, 200);
    } finally {
      await receiver.stop();
    }
  });

  it('the CLI lists flows with the certificate, and cannot reach Temporal without it', async () => {
    assert.equal((await runCli(['list'], temporalEnv)).code, 0);

    const { TEMPORAL_TLS_CLIENT_CERT_PATH, TEMPORAL_TLS_CLIENT_KEY_PATH, ...withoutClientPair } = temporalEnv;
    const refused = await runCli(['list'], withoutClientPair);
    assert.equal(refused.code, 5, refused.stderr);
    assert.ok(terminator.handshakes.refused > 0, 'the handshake was refused');
  });
});

interface TlsTerminator {
  readonly server: Server;
  readonly port: number;
  readonly handshakes: {
    /** Connections that presented a certificate the CA signed. */
    authorized: number;
    /** Handshakes that failed, e.g. for want of a client certificate. */
    refused: number;
  };
}

async function startTlsTerminator(pki: DevPki, upstream: string): Promise<TlsTerminator> {
  const [host = '127.0.0.1', port = ''] = upstream.split(':');
  const handshakes = { authorized: 0, refused: 0 };
  const server = createServer(
    {
      cert: await readFile(pki.serverCertPath, 'utf8'),
      key: await readFile(pki.serverKeyPath, 'utf8'),
      ca: pki.caCertPem,
      requestCert: true,
      rejectUnauthorized: true,
      ALPNProtocols: ['h2'],
    },
    (socket: TLSSocket) => {
      handshakes.authorized++;
      const plain = connect(Number(port), host);
      socket.pipe(plain).pipe(socket);
      socket.on('error', () => plain.destroy());
      plain.on('error', () => socket.destroy());
    },
  );
  server.on('tlsClientError', () => {
    handshakes.refused++;
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return { server, port: (server.address() as AddressInfo).port, handshakes };
}
