/** The REST implementation of the Exchange bridge. Importing this loads neither MSAL nor node-forge. */

export { RestBridge, type RestBridgeOptions } from './rest-bridge';
export {
  createRestBridge,
  createTokenProvider,
  type RestBridgeConfig,
  type RestBridgeRuntimeOptions,
  type RestBridgeSettings,
} from './create-rest-bridge';
export {
  CertificateTokenProvider,
  ClientSecretTokenProvider,
  StaticTokenProvider,
  EXCHANGE_SCOPE,
  DEFAULT_AUTHORITY_HOST,
  type CertificateTokenProviderOptions,
  type ClientSecretTokenProviderOptions,
  type TokenProvider,
  type TokenRequestOptions,
} from './token-provider';
export { loadCertificate, type LoadedCertificate } from './client-certificate';
export type { ConfidentialClient, ConfidentialClientFactory } from './msal-client';
export type { BridgeLogger, LogFields, LogLevel } from './rest-logging';
export { DEFAULT_ENDPOINT, isLoopbackHost, parseEndpoint, validateOrganization } from './endpoint';
