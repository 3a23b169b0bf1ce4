import { readFile } from 'node:fs/promises';
import { createServer as createHttpServer, type Server } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import express, { type Express, type Request, type Response } from 'express';
import type { DevPki } from './pki';

/** The mutual-TLS listener: a client without a certificate from the development CA fails the handshake. */
export async function listenMutualTls(
  app: Express,
  pki: DevPki,
  host: string,
  port: number,
): Promise<Server> {
  const [key, cert] = await Promise.all([readFile(pki.serverKeyPath), readFile(pki.serverCertPath)]);
  const server = createHttpsServer(
    { key, cert, ca: pki.caCertPem, requestCert: true, rejectUnauthorized: true, minVersion: 'TLSv1.2' },
    app,
  );
  return listen(server, host, port);
}

export function listenPlain(app: Express, host: string, port: number): Promise<Server> {
  return listen(createHttpServer(app), host, port);
}

export function portOf(server: Server): number {
  return (server.address() as AddressInfo).port;
}

/** Stops accepting, drops idle and open keep-alive connections, and waits for the close. */
export function closeServer(server: Server): Promise<void> {
  return new Promise((resolve, reject) => {
    server.close((error) => (error ? reject(error) : resolve()));
    server.closeAllConnections();
  });
}

/** An Express app without the `x-powered-by` advertisement. */
export function newApp(): Express {
  const app = express();
  app.disable('x-powered-by');
  return app;
}

/** The host part of a URL: IPv6 literals need brackets, and a wildcard address is no place to send a browser. */
export function urlHost(host: string): string {
  if (host === '0.0.0.0' || host === '::') return 'localhost';
  return host.includes(':') ? `[${host}]` : host;
}

export function notFoundJson(_request: Request, response: Response): void {
  response.status(404).json({ code: 'NOT_FOUND', message: 'The server has not found the signed content.' });
}

function listen(server: Server, host: string, port: number): Promise<Server> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve(server);
    });
  });
}
