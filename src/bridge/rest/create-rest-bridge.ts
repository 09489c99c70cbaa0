/**
 * Builds a RestBridge from the provider settings, choosing how to authenticate and refusing ambiguous combinations
 * with a ConfigurationError that names the attributes to fix.
 *
 * Empty strings count as unset (environment variables are often set to ""), except `certificate_password`, where
 * "" is a legitimate password and is treated like no password.
 */

import { resolveCloud, type Cloud } from '../clouds';
import { ConfigurationError } from '../errors';
import { isSet } from '../settings';
import { parseEndpoint, validateOrganization } from './endpoint';
import type { ConfidentialClientFactory } from './msal-client';
import { FederatedTokenProvider } from './federated-credential';
import { RestBridge, type RestBridgeOptions } from './rest-bridge';
import {
  CertificateTokenProvider,
  ClientSecretTokenProvider,
  StaticTokenProvider,
  type TokenProvider,
} from './token-provider';

/** The provider settings (snake_case in the provider schema). Unset values may be undefined. */
export interface RestBridgeSettings {
  organization?: string;
  accessToken?: string;
  clientId?: string;
  clientSecret?: string;
  certificatePath?: string;
  certificatePassword?: string;
  /** Workload identity federation: a file holding the CI's OIDC ID token (federated-credential.ts). */
  federatedTokenFile?: string;
  /** Or GitHub Actions' OIDC token endpoint (ACTIONS_ID_TOKEN_REQUEST_URL / _TOKEN). */
  federatedTokenRequest?: { url: string; bearer: string };
  endpoint?: string;
  /** The cloud (`environment` setting): O365Default, O365USGovGCCHigh, O365USGovDoD, O365China or an alias. */
  environment?: string;
}

/** Everything else a RestBridge takes (logger, retry, clock...), plus the MSAL seam for tests. */
export interface RestBridgeRuntimeOptions
  extends Omit<RestBridgeOptions, 'organization' | 'tokenProvider' | 'endpoint'> {
  createClient?: ConfidentialClientFactory;
  /**
   * Read and check the certificate file now (path, password, key) rather than on the first call, so a bad
   * certificate fails `terraform plan` instead of an apply halfway through.
   */
  checkCertificateNow?: boolean;
}

/** Settings and runtime options in one object (the runtime options may also come as the second argument). */
export type RestBridgeConfig = RestBridgeSettings & RestBridgeRuntimeOptions;

export function createRestBridge(config: RestBridgeConfig, runtime: RestBridgeRuntimeOptions = {}): RestBridge {
  const {
    organization: configuredOrganization,
    accessToken,
    clientId,
    clientSecret,
    certificatePath,
    certificatePassword,
    federatedTokenFile,
    federatedTokenRequest,
    endpoint,
    environment,
    createClient,
    checkCertificateNow,
    ...bridgeOptions
  } = {
    ...config,
    ...runtime,
  };
  const organization = validateOrganization(configuredOrganization ?? '');
  if (isSet(endpoint)) parseEndpoint(endpoint!); // report a bad endpoint before looking at credentials
  const cloud = resolveCloud(environment, endpoint);
  const tokenProvider = createTokenProvider(
    {
      organization,
      accessToken,
      clientId,
      clientSecret,
      certificatePath,
      certificatePassword,
      federatedTokenFile,
      federatedTokenRequest,
    },
    createClient,
    cloud,
  );
  if (checkCertificateNow && tokenProvider instanceof CertificateTokenProvider) tokenProvider.loadCertificate();
  return new RestBridge({
    ...bridgeOptions,
    organization,
    tokenProvider,
    endpoint: isSet(endpoint) ? endpoint : cloud.endpoint,
    cloud,
  });
}

const ONE_WAY =
  'use exactly one of: `access_token`; `client_id` with `client_secret`; `client_id` with `certificate_path`; `client_id` with `federated_token_file`.';

/** `cloud` decides the Entra authority and the token scope (default: the worldwide cloud). */
export function createTokenProvider(
  config: RestBridgeSettings,
  createClient?: ConfidentialClientFactory,
  cloud?: Cloud,
): TokenProvider {
  const authority = cloud ? { authorityHost: cloud.authorityHost, scope: cloud.scope } : {};
  const accessToken = isSet(config.accessToken);
  const clientId = isSet(config.clientId);
  const clientSecret = isSet(config.clientSecret);
  const certificatePath = isSet(config.certificatePath);
  const certificatePassword =
    config.certificatePassword !== undefined &&
    config.certificatePassword !== null &&
    config.certificatePassword !== '';

  const conflict = (a: string, b: string): never => {
    throw new ConfigurationError(
      `\`${a}\` and \`${b}\` are both set; set only one way to authenticate.`,
      capitalize(ONE_WAY),
      [a, b],
    );
  };
  if (accessToken && clientSecret) conflict('access_token', 'client_secret');
  if (accessToken && certificatePath) conflict('access_token', 'certificate_path');
  if (clientSecret && certificatePath) conflict('client_secret', 'certificate_path');
  const federated = isSet(config.federatedTokenFile) || config.federatedTokenRequest !== undefined;
  if (federated) {
    for (const [other, set] of [
      ['access_token', accessToken],
      ['client_secret', clientSecret],
      ['certificate_path', certificatePath],
    ] as const)
      if (set) conflict(other, 'federated_token_file');
    if (!clientId) {
      throw new ConfigurationError(
        '`federated_token_file` is set but `client_id` is not.',
        'Set `client_id` to the Application (client) ID of the app that has the federated credential.',
        ['client_id', 'federated_token_file'],
      );
    }
    const source = isSet(config.federatedTokenFile)
      ? { tokenFile: config.federatedTokenFile }
      : { tokenRequest: config.federatedTokenRequest };
    return new FederatedTokenProvider({
      organization: config.organization ?? '',
      clientId: config.clientId!,
      ...source,
      ...authority,
    });
  }
  if (accessToken && clientId) {
    throw new ConfigurationError(
      '`client_id` is set together with `access_token`; a ready-made token already names its app.',
      'Remove `client_id` to use the access token, or remove `access_token` and set `client_secret` or `certificate_path` with `client_id`.',
      ['client_id', 'access_token'],
    );
  }
  if (certificatePassword && !certificatePath) {
    throw new ConfigurationError(
      '`certificate_password` is set but `certificate_path` is not.',
      'Set `certificate_path` to the PFX or PEM file the password opens, or remove `certificate_password`.',
      ['certificate_password', 'certificate_path'],
    );
  }
  if ((clientSecret || certificatePath) && !clientId) {
    const credential = clientSecret ? 'client_secret' : 'certificate_path';
    throw new ConfigurationError(
      `\`${credential}\` is set but \`client_id\` is not.`,
      'Set `client_id` to the Application (client) ID of the Entra app the credential belongs to.',
      ['client_id', credential],
    );
  }
  if (clientId && !clientSecret && !certificatePath) {
    throw new ConfigurationError(
      '`client_id` is set without a credential.',
      'Set `client_secret`, `certificate_path` (with `certificate_password` if the file is protected) or `federated_token_file`.',
      ['client_id', 'client_secret', 'certificate_path'],
    );
  }

  if (accessToken) return new StaticTokenProvider(config.accessToken!);
  if (clientSecret) {
    return new ClientSecretTokenProvider({
      organization: config.organization ?? '',
      clientId: config.clientId!,
      clientSecret: config.clientSecret!,
      createClient,
      ...authority,
    });
  }
  if (certificatePath) {
    return new CertificateTokenProvider({
      organization: config.organization ?? '',
      clientId: config.clientId!,
      certificatePath: config.certificatePath!,
      certificatePassword: certificatePassword ? config.certificatePassword : undefined,
      createClient,
      ...authority,
    });
  }
  throw new ConfigurationError('No credentials are configured.', capitalize(ONE_WAY), [
    'access_token',
    'client_id',
    'client_secret',
    'certificate_path',
  ]);
}

function capitalize(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}
