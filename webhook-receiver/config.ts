import {
  boricaRelyingPartyId,
  type ConfigOf,
  callbackSecret,
  encryptionSection,
  loadConfig,
  loggingSection,
  receiverSection,
  temporalSection,
} from '../common/config';

/** Everything the webhook receiver reads from its environment; it needs no BORICA certificates. */
export const receiverConfigSections = {
  temporal: temporalSection,
  receiver: receiverSection,
  callbacks: { secret: callbackSecret },
  borica: { relyingPartyId: boricaRelyingPartyId },
  encryption: encryptionSection,
  logging: loggingSection,
};

export type ReceiverProcessConfig = ConfigOf<typeof receiverConfigSections>;

/** Reads the receiver's configuration; throws a `ConfigError` naming what is wrong. */
export function loadReceiverConfig(env: NodeJS.ProcessEnv = process.env): ReceiverProcessConfig {
  return loadConfig(receiverConfigSections, env);
}
