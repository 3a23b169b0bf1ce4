import { readFileSync } from 'node:fs';
import type { TLSConfig } from '@temporalio/client';
import type { TemporalConfig } from './config';

/** What every process passes to `Connection` or `NativeConnection` to reach Temporal. */
export interface TemporalConnectionOptions {
  readonly address: string;
  readonly tls: TLSConfig | false;
  readonly apiKey?: string;
}

/**
 * The connection options that the Temporal variables describe. TLS is on when `TEMPORAL_TLS`
 * says so, or when it is unset and an API key or any TLS setting is given; `TEMPORAL_TLS=false`
 * turns it off whatever else is set. Certificate files are read here, once: a renewed
 * certificate takes effect when the process restarts.
 */
export function temporalConnectionOptions(temporal: TemporalConfig): TemporalConnectionOptions {
  const { address, apiKey } = temporal;
  const tlsSettings = [temporal.tlsClientCertPath, temporal.tlsServerCaCertPath, temporal.tlsServerName];
  const useTls =
    temporal.tls ?? (apiKey !== undefined || tlsSettings.some((setting) => setting !== undefined));

  return { address, tls: useTls ? tlsConfig(temporal) : false, ...(apiKey ? { apiKey } : {}) };
}

function tlsConfig(temporal: TemporalConfig): TLSConfig {
  const { tlsServerName, tlsServerCaCertPath, tlsClientCertPath, tlsClientKeyPath } = temporal;
  return {
    ...(tlsServerName ? { serverNameOverride: tlsServerName } : {}),
    ...(tlsServerCaCertPath ? { serverRootCACertificate: readFileSync(tlsServerCaCertPath) } : {}),
    // The configuration refuses one of the pair without the other.
    ...(tlsClientCertPath && tlsClientKeyPath
      ? { clientCertPair: { crt: readFileSync(tlsClientCertPath), key: readFileSync(tlsClientKeyPath) } }
      : {}),
  };
}
