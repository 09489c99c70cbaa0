/**
 * How a PowerShell session signs in: the provider settings turned into Connect-ExchangeOnline parameters (sent as
 * data, without secrets) and the environment variables that carry the secrets into the pwsh process.
 *
 * Connect-ExchangeOnline signs in four ways exoform supports:
 *   access_token                                -AccessToken <token> -Organization <org>
 *   client_id + certificate_path [+ password]   -AppId -CertificateFilePath -CertificatePassword -Organization  (PFX only)
 *   managed_identity [+ client_id]              -ManagedIdentity [-ManagedIdentityAccountId] -Organization
 *   user_principal_name                         -UserPrincipalName (interactive, delegated)
 * It has no client-secret sign-in, so `client_secret` is refused with a pointer to the REST bridge.
 *
 * Empty strings count as unset, as in the REST bridge.
 */

import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { cloudOfHost, isInitialDomain, resolveCloud, type Cloud } from '../clouds';
import { ConfigurationError } from '../errors';
import { loadCertificate } from '../rest/client-certificate';
import { isSet, normalizeAccessToken } from '../settings';
import { isGuid, parseEndpoint, validateOrganization } from '../rest/endpoint';
import type { AuthenticationKind } from './error-mapping';
import { SECRET_ENVIRONMENT, type ConnectPayload } from './session-script';

/** The provider settings the PowerShell bridge reads (snake_case in the provider schema). */
export interface PowerShellBridgeSettings {
  organization?: string;
  accessToken?: string;
  clientId?: string;
  clientSecret?: string;
  certificatePath?: string;
  certificatePassword?: string;
  managedIdentity?: boolean;
  userPrincipalName?: string;
  endpoint?: string;
  /** The cloud (`environment` setting); see src/bridge/clouds.ts. */
  environment?: string;
  /** Default `pwsh` (found on PATH). */
  powershellPath?: string;
}

export interface PowerShellConnection {
  organization: string;
  authentication: AuthenticationKind;
  executable: string;
  /** Delegated sign-in may need a window: pwsh then runs without -NonInteractive. */
  interactive: boolean;
  connectPayload: ConnectPayload;
  /** Environment variables holding secrets, added to the pwsh process's environment only. */
  secretEnvironment: Record<string, string>;
  /** The secret values, for scrubbing texts. */
  secrets: string[];
  /** Origin of `endpoint`, when set. */
  endpoint?: string;
  /** For logs: never a secret. */
  description: string;
}

const ONE_WAY =
  'With bridge = "powershell", use exactly one of: `access_token`; `client_id` with `certificate_path` (a PFX file); `managed_identity = true`; `user_principal_name`.';

export function resolvePowerShellConnection(
  settings: PowerShellBridgeSettings,
  options: { checkCertificateNow?: boolean } = {},
): PowerShellConnection {
  const organization = validateOrganization(settings.organization ?? '');
  const endpoint = isSet(settings.endpoint) ? parseEndpoint(settings.endpoint!).origin : undefined;
  const cloud = resolveCloud(settings.environment, endpoint);
  const executable = validateExecutable(settings.powershellPath);

  const accessToken = isSet(settings.accessToken);
  const clientId = isSet(settings.clientId);
  const clientSecret = isSet(settings.clientSecret);
  const certificatePath = isSet(settings.certificatePath);
  const certificatePassword =
    settings.certificatePassword !== undefined &&
    settings.certificatePassword !== null &&
    settings.certificatePassword !== '';
  const managedIdentity = settings.managedIdentity === true;
  const userPrincipalName = isSet(settings.userPrincipalName);

  if (clientSecret) {
    throw new ConfigurationError(
      '`client_secret` cannot be used with bridge = "powershell": Connect-ExchangeOnline has no client-secret sign-in.',
      'Use `certificate_path` (a PFX file uploaded to the app) with `client_id`, or `access_token`, or `managed_identity`; or set bridge = "rest", which accepts a client secret.',
      ['client_secret', 'bridge'],
    );
  }
  const methods: Array<[boolean, string]> = [
    [accessToken, 'access_token'],
    [certificatePath, 'certificate_path'],
    [managedIdentity, 'managed_identity'],
    [userPrincipalName, 'user_principal_name'],
  ];
  const chosen = methods.filter(([set]) => set).map(([, name]) => name);
  if (chosen.length > 1) {
    throw new ConfigurationError(
      `\`${chosen[0]}\` and \`${chosen[1]}\` are both set; set only one way to sign in.`,
      ONE_WAY,
      chosen,
    );
  }
  if (certificatePassword && !certificatePath) {
    throw new ConfigurationError(
      '`certificate_password` is set but `certificate_path` is not.',
      'Set `certificate_path` to the PFX file the password opens, or remove `certificate_password`.',
      ['certificate_password', 'certificate_path'],
    );
  }
  if (clientId && (accessToken || userPrincipalName)) {
    const other = accessToken ? 'access_token' : 'user_principal_name';
    throw new ConfigurationError(
      `\`client_id\` is set together with \`${other}\`, which does not use it.`,
      `Remove \`client_id\`, or remove \`${other}\` and sign in as the app with \`certificate_path\`.`,
      ['client_id', other],
    );
  }
  if (certificatePath && !clientId) {
    throw new ConfigurationError(
      '`certificate_path` is set but `client_id` is not.',
      'Set `client_id` to the Application (client) ID of the Entra app the certificate belongs to.',
      ['client_id', 'certificate_path'],
    );
  }
  if (clientId && !isGuid(settings.clientId!.trim())) {
    throw new ConfigurationError(
      'The `client_id` setting is not an application (client) id.',
      managedIdentity
        ? 'Set `client_id` to the client ID GUID of the user-assigned managed identity, or remove it for a system-assigned identity.'
        : "Set `client_id` to the Application (client) ID GUID shown on the app registration's Overview page.",
      ['client_id'],
    );
  }
  if (certificatePath || managedIdentity)
    requireInitialDomain(organization, cloud, certificatePath ? 'certificate_path' : 'managed_identity');
  // The module picks its hosts and authority from -ExchangeEnvironmentName (O365Default is its default and is left
  // out). An endpoint outside every cloud (an emulator) goes as -ConnectionUri instead: the Connect-ExchangeOnline
  // docs say -ExchangeEnvironmentName replaces -ConnectionUri and -AzureADAuthorizationEndpointUri, so they are never
  // sent together; outside the worldwide cloud the cloud's sign-in authority then goes as
  // -AzureADAuthorizationEndpointUri (GCC High and DoD: https://login.microsoftonline.us/common, per those docs).
  const connectPayload: ConnectPayload = {};
  const sovereign = cloud.exchangeEnvironmentName !== 'O365Default';
  if (endpoint && !isCloudEndpoint(endpoint)) {
    connectPayload.ConnectionUri = `${endpoint}/powershell-liveid/`;
    if (sovereign) connectPayload.AzureADAuthorizationEndpointUri = `${cloud.authorityHost}/common`;
  } else if (sovereign) {
    connectPayload.ExchangeEnvironmentName = cloud.exchangeEnvironmentName;
  }

  if (accessToken) {
    // Same rules as the REST bridge's static token.
    const token = normalizeAccessToken(settings.accessToken!, 'use a certificate');
    return {
      organization,
      authentication: 'access-token',
      executable,
      interactive: false,
      connectPayload: { Organization: organization, AccessTokenFromEnvironment: true, ...connectPayload },
      secretEnvironment: { [SECRET_ENVIRONMENT.accessToken]: token },
      secrets: [token],
      endpoint,
      description: `a static access token for ${organization}`,
    };
  }
  if (certificatePath) {
    const path = resolve(settings.certificatePath!);
    checkPfx(
      path,
      certificatePassword ? settings.certificatePassword : undefined,
      options.checkCertificateNow === true,
    );
    const password = certificatePassword ? settings.certificatePassword! : undefined;
    return {
      organization,
      authentication: 'certificate',
      executable,
      interactive: false,
      connectPayload: {
        Organization: organization,
        AppId: settings.clientId!.trim(),
        CertificateFilePath: path,
        ...(password !== undefined ? { CertificatePasswordFromEnvironment: true as const } : {}),
        ...connectPayload,
      },
      secretEnvironment: password !== undefined ? { [SECRET_ENVIRONMENT.certificatePassword]: password } : {},
      secrets: password !== undefined ? [password] : [],
      endpoint,
      description: `certificate ${path} of app ${settings.clientId!.trim()} in ${organization}`,
    };
  }
  if (managedIdentity) {
    const accountId = clientId ? settings.clientId!.trim() : undefined;
    return {
      organization,
      authentication: 'managed-identity',
      executable,
      interactive: false,
      connectPayload: {
        Organization: organization,
        ManagedIdentity: true,
        ...(accountId ? { ManagedIdentityAccountId: accountId } : {}),
        ...connectPayload,
      },
      secretEnvironment: {},
      secrets: [],
      endpoint,
      description: `${accountId ? `user-assigned managed identity ${accountId}` : 'the system-assigned managed identity'} for ${organization}`,
    };
  }
  if (userPrincipalName) {
    const upn = settings.userPrincipalName!.trim();
    if (!/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(upn) || /[\x00-\x1f\x7f]/.test(upn)) {
      throw new ConfigurationError(
        `The \`user_principal_name\` setting ${JSON.stringify(upn.slice(0, 100))} is not a user principal name.`,
        "Set `user_principal_name` to the administrator's sign-in name, for example admin@contoso.onmicrosoft.com.",
        ['user_principal_name'],
      );
    }
    return {
      organization,
      authentication: 'delegated',
      executable,
      interactive: true,
      connectPayload: { UserPrincipalName: upn, ...connectPayload },
      secretEnvironment: {},
      secrets: [],
      endpoint,
      description: `delegated sign-in of ${upn}`,
    };
  }
  if (clientId) {
    throw new ConfigurationError(
      '`client_id` is set without a credential.',
      'Set `certificate_path` (a PFX file, with `certificate_password` if it is protected), or `managed_identity = true` for a user-assigned managed identity.',
      ['client_id', 'certificate_path', 'managed_identity'],
    );
  }
  throw new ConfigurationError('No credentials are configured.', ONE_WAY, [
    'access_token',
    'client_id',
    'certificate_path',
    'managed_identity',
    'user_principal_name',
  ]);
}

function isCloudEndpoint(endpoint: string): boolean {
  return cloudOfHost(new URL(endpoint).hostname) !== undefined;
}

/**
 * Connect-ExchangeOnline -Organization with a certificate or a managed identity must be the tenant's primary
 * .onmicrosoft.com domain (the docs of -Organization): a tenant id or a vanity domain fails there, late and unclearly.
 */
function requireInitialDomain(organization: string, cloud: Cloud, credential: string): void {
  if (isInitialDomain(cloud, organization)) return;
  const example = `contoso.${cloud.initialDomainSuffixes[0]}`;
  throw new ConfigurationError(
    `The \`organization\` setting ${JSON.stringify(organization)} is not the tenant's .${cloud.initialDomainSuffixes[0]} domain, which ` +
      `Connect-ExchangeOnline -Organization needs when signing in with ${credential === 'certificate_path' ? 'a certificate' : 'a managed identity'}.`,
    `Set \`organization\` to the tenant's initial domain (for example ${example}; the Microsoft 365 admin center lists it under Settings > Domains), ` +
      'or use bridge = "rest", which also accepts the tenant id.',
    ['organization'],
  );
}

/**
 * Connect-ExchangeOnline -CertificateFilePath reads PFX files only. The file is checked in Node (readable, PFX,
 * password right, RSA, not expired) so a mistake fails `terraform plan` with a clear message rather than a
 * PowerShell error later.
 */
function checkPfx(path: string, password: string | undefined, now: boolean): void {
  if (!now) return;
  let head: Buffer;
  try {
    head = readFileSync(path).subarray(0, 64);
  } catch {
    loadCertificate(path, password); // throws the REST bridge's precise "could not read" error
    return;
  }
  if (head.toString('latin1').includes('-----BEGIN ')) {
    throw new ConfigurationError(
      `The certificate file ${JSON.stringify(path)} is PEM; Connect-ExchangeOnline -CertificateFilePath needs a PFX (PKCS#12) file.`,
      'Convert it with: openssl pkcs12 -export -inkey key.pem -in cert.pem -out app.pfx, and point `certificate_path` at the .pfx; or use bridge = "rest", which reads PEM.',
      ['certificate_path'],
    );
  }
  loadCertificate(path, password);
}

/** `powershell_path`: a command name found on PATH, or a path to the executable. */
function validateExecutable(path: string | undefined): string {
  const value = isSet(path) ? path!.trim() : 'pwsh';
  if (/[\x00-\x1f\x7f]/.test(value)) {
    throw new ConfigurationError(
      'The `powershell_path` setting contains control characters.',
      'Set `powershell_path` to the path of the pwsh executable, for example /usr/bin/pwsh or C:\\Program Files\\PowerShell\\7\\pwsh.exe.',
      ['powershell_path'],
    );
  }
  // A relative path with a directory part is relative to where Terraform runs; a bare name is looked up on PATH.
  return /[\\/]/.test(value) ? resolve(value) : value;
}
