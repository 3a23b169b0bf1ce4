/**
 * BORICA's Signing API v2 for remote identification and OTC signing: the contract
 * ({@link ./schemas}), its failures ({@link ./errors}), the operations ({@link ./api!BoricaApi})
 * and their mutual-TLS implementation ({@link ./client!createBoricaClient}), with
 * {@link ./tls!loadTlsMaterial} to read the certificates and {@link ./urls!customerRedirectUrl}
 * for the customer's video-identification page.
 *
 * Workflows must not import this module (it reaches undici); they use `import type` only.
 *
 * @module
 */
export type { BoricaApi, CallOptions, IdentificationPoll } from './api';
export { type BoricaClientOptions, createBoricaClient } from './client';
export {
  BoricaContractError,
  BoricaError,
  BoricaHttpError,
  BoricaNetworkError,
  type BoricaNetworkErrorOptions,
  BoricaRequestError,
} from './errors';
export * from './schemas';
export {
  loadTlsMaterial,
  type TlsMaterial,
  TlsMaterialError,
  type TlsMaterialField,
  type TlsMaterialPaths,
} from './tls';
export { customerRedirectUrl } from './urls';
