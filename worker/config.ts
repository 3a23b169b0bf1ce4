import {
  boricaSection,
  type ConfigOf,
  callbacksSection,
  encryptionSection,
  loadConfig,
  loggingSection,
  metricsSection,
  storeSection,
  temporalSection,
} from '../common/config';

/** Everything the worker process reads from its environment. */
export const workerConfigSections = {
  temporal: temporalSection,
  borica: boricaSection,
  callbacks: callbacksSection,
  store: storeSection,
  encryption: encryptionSection,
  metrics: metricsSection,
  logging: loggingSection,
};

export type WorkerConfig = ConfigOf<typeof workerConfigSections>;

/** Reads the worker's configuration; throws a `ConfigError` naming what is wrong. */
export function loadWorkerConfig(env: NodeJS.ProcessEnv = process.env): WorkerConfig {
  return loadConfig(workerConfigSections, env);
}
