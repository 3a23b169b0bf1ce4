import type { BillableRequest, BillingLog } from './billing';
import type { CallbackDispatcher, CallbackLogEntry } from './callbacks';
import type { Autopilot, AutopilotUpdate, LiveSettings, SandboxTimings } from './config';
import type { FaultState, Faults, FaultsUpdate } from './faults';
import type { MobileIdentifications } from './mobile';
import type { Scheduler } from './scheduler';
import type { SignAction, SigningRounds } from './signing';
import type { WebAction, WebIdentifications } from './web';

/** Where a web identification stands after a control action. */
export interface WebView {
  resultId: number;
  status: string;
  step: string;
  registration: { status: string; reviewStatus: string };
}

/** Where a signing round stands after a control action. */
export interface SignView {
  resultId: number;
  status: string;
  step: string;
}

/**
 * The sandbox's remote control, in process; the control API under `/_sandbox` offers the same.
 * Customer actions reject with a {@link ./errors!SandboxError} when the process is unknown
 * (`not-found`) or cannot take the action any more (`conflict`).
 */
export interface SandboxControl {
  mobile(callbackId: string, action: 'complete' | 'reject', input?: { name?: string }): Promise<void>;
  web(sessionId: string, action: WebAction, input?: { name?: string }): Promise<WebView>;
  sign(documentToken: string, action: SignAction): Promise<SignView>;
  faults(): Faults;
  setFaults(update: FaultsUpdate): Faults;
  resetFaults(): Faults;
  setAutopilot(update: AutopilotUpdate): Autopilot;
  setTimings(update: Partial<SandboxTimings>): SandboxTimings;
  requests(): BillableRequest[];
  clearRequests(): void;
  callbacks(): CallbackLogEntry[];
  clearCallbacks(): void;
  /** Resolves once no callback, retry or autopilot step is pending. */
  settled(): Promise<void>;
}

export function createControl(parts: {
  mobile: MobileIdentifications;
  web: WebIdentifications;
  signing: SigningRounds;
  faults: FaultState;
  settings: LiveSettings;
  billing: BillingLog;
  callbacks: CallbackDispatcher;
  scheduler: Scheduler;
}): SandboxControl {
  return {
    mobile: async (callbackId, action, input) => {
      if (action === 'complete') await parts.mobile.complete(callbackId, input?.name);
      else parts.mobile.reject(callbackId);
    },
    web: async (sessionId, action, input) => {
      const web = await parts.web.act(sessionId, action, input?.name);
      const registration = parts.web.registrationStatus(web.registration?.registrationId ?? '');
      return {
        resultId: web.resultId,
        ...parts.web.status(web),
        registration: { status: registration.status, reviewStatus: registration.reviewStatus },
      };
    },
    sign: async (documentToken, action) => {
      const round = await parts.signing.act(documentToken, action);
      return { resultId: round.resultId, ...parts.signing.status(round) };
    },
    faults: () => parts.faults.current,
    setFaults: (update) => parts.faults.update(update),
    resetFaults: () => parts.faults.reset(),
    setAutopilot: (update) => parts.settings.updateAutopilot(update),
    setTimings: (update) => parts.settings.updateTimings(update),
    requests: () => parts.billing.list(),
    clearRequests: () => parts.billing.clear(),
    callbacks: () => parts.callbacks.entries(),
    clearCallbacks: () => parts.callbacks.clear(),
    settled: () => parts.scheduler.idle(),
  };
}
