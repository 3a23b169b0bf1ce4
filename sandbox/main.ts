/**
 * `npm run sandbox`: the BORICA stand-in as a process. Prints where it listens, the environment a
 * worker needs to talk to it, and a curl command that proves the mutual-TLS channel works.
 */
import { z } from 'zod';
import { loadConfigOrExit, variable } from '../common/config';
import { createLogger } from '../common/logger';
import type { AutopilotUpdate } from './config';
import { autopilotBody } from './control-routes';
import { type RunningSandbox, startSandbox } from './index';

const port = (fallback: number) => z.coerce.number().int().min(0).max(65535).default(fallback);
const ms = z.coerce.number().int().nonnegative().optional();

/** `mobile=complete@2000,web=complete@3000,sign=sign@1000`: what each simulated customer does, after how long. */
const autopilotSpec = z
  .string()
  .regex(/^(mobile|web|sign)=[a-z]+@\d+(,(mobile|web|sign)=[a-z]+@\d+)*$/)
  .transform((spec): unknown => Object.fromEntries(spec.split(',').map(parseAutopilotEntry)))
  .pipe(autopilotBody)
  .optional();

const sandboxSection = {
  host: variable(
    'SANDBOX_HOST',
    'the address both listeners bind to, e.g. 127.0.0.1 or 0.0.0.0',
    z.string().trim().min(1).default('127.0.0.1'),
  ),
  apiPort: variable('SANDBOX_API_PORT', 'the port of the mutual-TLS API, e.g. 8443', port(8443)),
  webPort: variable(
    'SANDBOX_WEB_PORT',
    'the port of the customer pages and control API, e.g. 8088',
    port(8088),
  ),
  pkiDir: variable(
    'SANDBOX_PKI_DIR',
    'a directory for the development PKI, created when absent',
    z.string().trim().min(1).optional(),
  ),
  relyingPartyId: variable(
    'SANDBOX_RELYING_PARTY_ID',
    'the relying party id the sandbox accepts, decimal digits',
    z
      .string()
      .regex(/^\d{1,18}$/)
      .default('24102167'),
  ),
  autopilot: variable(
    'SANDBOX_AUTOPILOT',
    'comma-separated scenario=outcome@delayMs, e.g. web=complete@3000,sign=sign@2000',
    autopilotSpec,
  ),
  callbackRetryDelayMs: variable(
    'SANDBOX_CALLBACK_RETRY_DELAY_MS',
    'the first pause before a failed callback is retried, in ms',
    ms,
  ),
};

async function main(): Promise<void> {
  const { sandbox: config } = loadConfigOrExit({ sandbox: sandboxSection });
  const sandbox = await startSandbox({
    host: config.host,
    apiPort: config.apiPort,
    webPort: config.webPort,
    relyingPartyId: config.relyingPartyId,
    logger: createLogger('sandbox'),
    ...(config.pkiDir ? { pkiDir: config.pkiDir } : {}),
    ...(config.autopilot ? { autopilot: config.autopilot as AutopilotUpdate } : {}),
    ...(config.callbackRetryDelayMs === undefined
      ? {}
      : { timings: { callbackRetryDelayMs: config.callbackRetryDelayMs } }),
  });

  printWelcome(sandbox);
  stopOnSignal(sandbox);
}

function printWelcome(sandbox: RunningSandbox): void {
  const env = Object.entries(sandbox.env).map(([name, value]) => `${name}=${value}`);
  const body = JSON.stringify({
    personIdentityData: { docType: 'EGN', identificatorValue: '7805166742', dateOfBirth: '16-05-1978' },
    phoneNumber: '+359888133443',
    email: 'test@example.com',
    payer: 'RELYING_PARTY',
    identificationReason: 'Sandbox check',
  });

  console.log(`BORICA sandbox
  API (mutual TLS)  ${sandbox.apiBaseUrl}
  customer pages    ${sandbox.identificationUrl}/session/{sessionId}, ${sandbox.identificationUrl}/documents/{token}
  control API       ${sandbox.controlUrl}

Environment for a worker:
${env.join('\n')}

Try it:
curl --cert ${sandbox.pki.clientCertPath} --key ${sandbox.pki.clientKeyPath} --cacert ${sandbox.pki.caCertPath} \\
  -H 'relyingPartyID: ${sandbox.relyingPartyId}' -H 'content-type: application/json' -H 'accept: application/json' \\
  -d '${body}' \\
  ${sandbox.apiBaseUrl}/identification
`);
}

function stopOnSignal(sandbox: RunningSandbox): void {
  let stopping = false;
  const stop = (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    console.log(`${signal}: stopping the sandbox`);
    sandbox.close().then(
      () => process.exit(0),
      (error: unknown) => {
        console.error('The sandbox did not stop cleanly:', error);
        process.exit(1);
      },
    );
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

function parseAutopilotEntry(entry: string): [string, { outcome: string; afterMs: number }] {
  const [scenario = '', plan = ''] = entry.split('=');
  const [outcome = '', afterMs = '0'] = plan.split('@');
  return [scenario, { outcome, afterMs: Number(afterMs) }];
}

main().catch((error: unknown) => {
  console.error('The sandbox failed to start:', error instanceof Error ? error.message : error);
  process.exit(1);
});
