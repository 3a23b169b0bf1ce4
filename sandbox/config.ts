import type { Logger } from '../common/logger';

/** How long each thing the sandbox hands out stays valid, and how fast the simulated world moves. */
export interface SandboxTimings {
  /** `validity` of a mobile identification. */
  mobileValidityMs: number;
  /** `webSessionExpireDate` of a web session. */
  webSessionTtlMs: number;
  /** `expiredOn` of a registration. */
  registrationTtlMs: number;
  /** `signSessionIdExpireDate` of a sign session. */
  signSessionTtlMs: number;
  /** `expireDate` of a `clientDocumentUrl`. */
  documentUrlTtlMs: number;
  /** ON_BOARDING -> IN_PROGRESS of a mobile identification. */
  mobileProgressMs: number;
  /** First pause before a failed callback is sent again; each later pause doubles, up to a minute in all. */
  callbackRetryDelayMs: number;
}

/** What the simulated customer does on their own; 'none' = only when scripted. */
export interface Autopilot {
  mobile: { outcome: 'none' | 'complete' | 'reject'; afterMs: number };
  web: { outcome: 'none' | 'complete' | 'cancel' | 'reject' | 'deny'; afterMs: number };
  sign: { outcome: 'none' | 'sign' | 'refuse'; afterMs: number };
}

/** An autopilot change: any scenario, and within it the outcome, the delay or both. */
export type AutopilotUpdate = { [K in keyof Autopilot]?: Partial<Autopilot[K]> };

export interface SandboxOptions {
  /** Default 127.0.0.1. */
  host?: string;
  /** Mutual-TLS API; default 0 (ephemeral). */
  apiPort?: number;
  /** Plain-HTTP customer pages and control API; default 0. */
  webPort?: number;
  /** Where the development PKI lives; created when absent. */
  pkiDir?: string;
  /** Decimal, as BORICA assigns them; default '24102167'. */
  relyingPartyId?: string;
  timings?: Partial<SandboxTimings>;
  autopilot?: AutopilotUpdate;
  logger?: Logger;
}

const MINUTE = 60_000;

export const DEFAULT_TIMINGS: Readonly<SandboxTimings> = {
  mobileValidityMs: 10 * MINUTE,
  webSessionTtlMs: 60 * MINUTE,
  registrationTtlMs: 60 * MINUTE,
  signSessionTtlMs: 24 * 60 * MINUTE,
  documentUrlTtlMs: 30 * MINUTE,
  mobileProgressMs: 1000,
  callbackRetryDelayMs: 2000,
};

export const DEFAULT_AUTOPILOT: Readonly<Autopilot> = {
  mobile: { outcome: 'none', afterMs: 0 },
  web: { outcome: 'none', afterMs: 0 },
  sign: { outcome: 'none', afterMs: 0 },
};

export const DEFAULT_RELYING_PARTY_ID = '24102167';

/** Settings that may change while the sandbox runs (control API); read at the moment they apply. */
export class LiveSettings {
  timings: SandboxTimings;
  autopilot: Autopilot;

  constructor(timings: Partial<SandboxTimings> = {}, autopilot: AutopilotUpdate = {}) {
    this.timings = { ...DEFAULT_TIMINGS };
    this.autopilot = structuredClone(DEFAULT_AUTOPILOT);
    this.updateTimings(timings);
    this.updateAutopilot(autopilot);
  }

  updateTimings(partial: Partial<SandboxTimings>): SandboxTimings {
    for (const [name, value] of Object.entries(partial)) {
      if (!(name in DEFAULT_TIMINGS)) throw new RangeError(`unknown timing ${name}`);
      if (!Number.isFinite(value) || value < 0)
        throw new RangeError(`timing ${name} must be a non-negative number of ms`);
    }
    this.timings = { ...this.timings, ...partial };
    return this.timings;
  }

  updateAutopilot(partial: AutopilotUpdate): Autopilot {
    this.autopilot = {
      mobile: { ...this.autopilot.mobile, ...partial.mobile },
      web: { ...this.autopilot.web, ...partial.web },
      sign: { ...this.autopilot.sign, ...partial.sign },
    };
    return this.autopilot;
  }
}
