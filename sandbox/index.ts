/**
 * A stand-in for BORICA's Signing API v2 that speaks the same contract over mutual TLS, with
 * customer pages, scriptable customers, injectable faults and real signed PDFs.
 *
 * @example
 * ```ts
 * const sandbox = await startSandbox({ autopilot: { web: { outcome: 'complete', afterMs: 100 } } });
 * // point a BORICA client at sandbox.apiBaseUrl with sandbox.pki's client certificate
 * await sandbox.close();
 * ```
 *
 * @module
 */
import type { Server } from 'node:http';
import { createLogger } from '../common/logger';
import { apiRouter } from './api-routes';
import { BillingLog } from './billing';
import { CadesSigner } from './cades-signer';
import { CallbackDispatcher } from './callbacks';
import { DEFAULT_RELYING_PARTY_ID, LiveSettings, type SandboxOptions } from './config';
import type { SandboxContext } from './context';
import { createControl, type SandboxControl } from './control';
import { controlRouter } from './control-routes';
import { FaultState } from './faults';
import { MobileIdentifications } from './mobile';
import { pagesRouter } from './pages';
import { type DevPki, ensureDevPki } from './pki';
import { Registry } from './registry';
import { Scheduler } from './scheduler';
import { closeServer, listenMutualTls, listenPlain, newApp, notFoundJson, portOf, urlHost } from './server';
import { SigningRounds } from './signing';
import { WebIdentifications } from './web';

export type { BillableRequest } from './billing';
export type { CallbackLogEntry } from './callbacks';
export type { Autopilot, AutopilotUpdate, SandboxOptions, SandboxTimings } from './config';
export type { SandboxControl, SignView, WebView } from './control';
export { SandboxError } from './errors';
export type { Faults, FaultsUpdate } from './faults';
export type { DevPki } from './pki';

export interface RunningSandbox {
  /** https://127.0.0.1:<apiPort>/signing-api/v2 (mutual TLS). */
  apiBaseUrl: string;
  /** http://127.0.0.1:<webPort>: customer pages /session/{sessionId} and /documents/{documentToken}. */
  identificationUrl: string;
  /** http://127.0.0.1:<webPort>/_sandbox */
  controlUrl: string;
  relyingPartyId: string;
  pki: DevPki;
  /** BORICA_BASE_URL, BORICA_IDENTIFICATION_URL, BORICA_RELYING_PARTY_ID, BORICA_CLIENT_CERT, BORICA_CLIENT_KEY, BORICA_CA_CERT. */
  env: Record<string, string>;
  /** In-process equivalent of every control endpoint. */
  control: SandboxControl;
  close(): Promise<void>;
}

const API_PATH = '/signing-api/v2';
const CONTROL_PATH = '/_sandbox';
const SWEEP_INTERVAL_MS = 60_000;

export async function startSandbox(options: SandboxOptions = {}): Promise<RunningSandbox> {
  const logger = options.logger ?? createLogger('sandbox');
  const relyingPartyId = options.relyingPartyId ?? DEFAULT_RELYING_PARTY_ID;
  if (!/^\d{1,18}$/.test(relyingPartyId))
    throw new RangeError('relyingPartyId must be decimal digits, as BORICA assigns them');

  const host = options.host ?? '127.0.0.1';
  const pki = await ensureDevPki({ ...(options.pkiDir ? { dir: options.pkiDir } : {}), serverNames: [host] });
  const signer = await CadesSigner.fromP12(pki.signerP12Path, pki.signerP12Passphrase);

  const webApp = newApp();
  const webServer = await listenPlain(webApp, host, options.webPort ?? 0);
  const identificationUrl = `http://${urlHost(host)}:${portOf(webServer)}`;

  const settings = new LiveSettings(options.timings, options.autopilot);
  const scheduler = new Scheduler(logger);
  const faults = new FaultState();
  const callbacks = new CallbackDispatcher({
    faults,
    scheduler,
    logger,
    retryDelayMs: () => settings.timings.callbackRetryDelayMs,
  });
  const registry = new Registry();
  const billing = new BillingLog();
  const context: SandboxContext = {
    relyingPartyId,
    identificationUrl,
    settings,
    registry,
    callbacks,
    scheduler,
    signer,
    billing,
    logger,
  };
  const mobile = new MobileIdentifications(context);
  const web = new WebIdentifications(context);
  const signing = new SigningRounds(context);
  const control = createControl({ mobile, web, signing, faults, settings, billing, callbacks, scheduler });

  webApp.use(CONTROL_PATH, controlRouter({ control, web, signing, logger }));
  webApp.use(pagesRouter({ web, signing, controlPath: CONTROL_PATH }));

  const apiApp = newApp();
  apiApp.use(API_PATH, apiRouter({ relyingPartyId, mobile, web, signing, faults, logger }));
  apiApp.use(notFoundJson);
  const apiServer = await listenMutualTls(apiApp, pki, host, options.apiPort ?? 0).catch(
    async (error: unknown) => {
      await closeServer(webServer);
      throw error;
    },
  );
  const apiBaseUrl = `https://${urlHost(host)}:${portOf(apiServer)}${API_PATH}`;

  const sweeper = setInterval(() => registry.sweep(Date.now()), SWEEP_INTERVAL_MS);
  sweeper.unref();
  logger.info({ apiBaseUrl, identificationUrl }, 'sandbox listening');

  return {
    apiBaseUrl,
    identificationUrl,
    controlUrl: `${identificationUrl}${CONTROL_PATH}`,
    relyingPartyId,
    pki,
    env: environmentFor(apiBaseUrl, identificationUrl, relyingPartyId, pki),
    control,
    close: () => closeAll(sweeper, scheduler, [apiServer, webServer]),
  };
}

function environmentFor(apiBaseUrl: string, identificationUrl: string, relyingPartyId: string, pki: DevPki) {
  return {
    BORICA_BASE_URL: apiBaseUrl,
    BORICA_IDENTIFICATION_URL: identificationUrl,
    BORICA_RELYING_PARTY_ID: relyingPartyId,
    BORICA_CLIENT_CERT: pki.clientCertPath,
    BORICA_CLIENT_KEY: pki.clientKeyPath,
    BORICA_CA_CERT: pki.caCertPath,
  };
}

async function closeAll(sweeper: NodeJS.Timeout, scheduler: Scheduler, servers: Server[]): Promise<void> {
  clearInterval(sweeper);
  await scheduler.close();
  await Promise.all(servers.map(closeServer));
}
