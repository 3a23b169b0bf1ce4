import type { Logger } from '../common/logger';
import type { BillingLog } from './billing';
import type { CadesSigner } from './cades-signer';
import type { CallbackDispatcher } from './callbacks';
import type { LiveSettings } from './config';
import type { Registry } from './registry';
import type { Scheduler } from './scheduler';

/** What the simulated BORICA processes share. */
export interface SandboxContext {
  relyingPartyId: string;
  /** Base of the customer pages, e.g. http://127.0.0.1:8088. */
  identificationUrl: string;
  settings: LiveSettings;
  registry: Registry;
  callbacks: CallbackDispatcher;
  scheduler: Scheduler;
  signer: CadesSigner;
  billing: BillingLog;
  logger: Logger;
}

/** The organisation an eID certificate says the identification was made for. */
export function relyingPartyName(context: SandboxContext): string {
  return `Relying party ${context.relyingPartyId}`;
}
