/**
 * The `exchangeonline` provider block: which tenant, how to authenticate, which endpoint. Every setting can
 * come from an EXO_* environment variable so pipelines keep secrets out of configuration.
 */
import { redactUrlCredentials, showSettingValue } from '../bridge/redact';
import { scrubSecrets } from '../bridge/rest/logging';
import type { ExchangeBridge } from '../bridge/bridge';
import { ConcurrencyLimitedBridge } from '../bridge/limited-bridge';
import type { ExchangeClient } from './exchange-client';
import { MailboxDirectory } from '../exchange/mailbox-directory';
import { ConfigurationError, isExchangeError } from '../bridge/errors';
import { createRestBridge } from '../bridge/rest/create-rest-bridge';
import { resolveCloud, type Cloud } from '../bridge/clouds';
// Types only: the PowerShell bridge module itself is required in createConfiguredPowerShellBridge, when configured.
import type { PowerShellBridgeSettings } from '../bridge/powershell/connection';
import type { PowerShellBridgeRuntimeOptions } from '../bridge/powershell/create-powershell-bridge';
import { errorDiagnostic, type Diagnostic } from '../protocol/diagnostics';
import type { LogFields, Logger } from '../protocol/logging';
import type { Schema } from '../protocol/schema';
import { DiagnosticError, type ProviderDefinition } from './framework/resource';
import { readBool, readString, type ObjectValue } from './framework/values';
import { transportConfigResource } from './resources/transport-config';
import { mailboxSmtpAuthResource } from './resources/mailbox-smtp-auth';
import { mailboxSmtpAuthListResource } from './resources/mailbox-smtp-auth-list';
import { transportConfigDataSource } from './data-sources/transport-config';
import { casMailboxesDataSource } from './data-sources/cas-mailboxes';
import { authenticationPolicyResource } from './resources/authentication-policy';
import { authenticationPolicyAssignmentResource } from './resources/authentication-policy-assignment';
import { defaultAuthenticationPolicyResource } from './resources/default-authentication-policy';
import { authenticationPoliciesDataSource } from './data-sources/authentication-policies';
import { mailboxListFunction } from './functions/mailbox-list';
import { smtpAuthReadinessDataSource } from './data-sources/smtp-auth-readiness';

export type { ExchangeClient } from './exchange-client';

/**
 * At most one cheap call per process, and none when any call has been answered (a refresh read): the
 * organization's SMTP AUTH value, which the mailbox resources read anyway (MailboxDirectory caches it).
 */
function tenantCheck(
  bridge: ConcurrencyLimitedBridge,
  mailboxes: MailboxDirectory,
): (signal: AbortSignal) => Promise<void> {
  return async (signal) => {
    // A call already in flight (a refresh running beside this plan) answers the question as well as a new one.
    while (!bridge.answered && bridge.inFlightCount > 0) await bridge.nextSettled();
    if (bridge.answered) return;
    await mailboxes.orgSmtpAuthDisabled({ bridge, signal });
  };
}

/** Attribute name → environment variable that supplies it when the block leaves it out. */
export const PROVIDER_ENVIRONMENT: Readonly<Record<string, string>> = {
  organization: 'EXO_ORGANIZATION',
  access_token: 'EXO_ACCESS_TOKEN',
  client_id: 'EXO_CLIENT_ID',
  client_secret: 'EXO_CLIENT_SECRET',
  certificate_path: 'EXO_CERTIFICATE_PATH',
  certificate_password: 'EXO_CERTIFICATE_PASSWORD',
  federated_token_file: 'EXO_FEDERATED_TOKEN_FILE',
  endpoint: 'EXO_ENDPOINT',
  environment: 'EXO_ENVIRONMENT',
  max_concurrent_requests: 'EXO_MAX_CONCURRENT_REQUESTS',
  bridge: 'EXO_BRIDGE',
  powershell_path: 'EXO_POWERSHELL_PATH',
  user_principal_name: 'EXO_USER_PRINCIPAL_NAME',
  managed_identity: 'EXO_MANAGED_IDENTITY',
  graph_access_token: 'EXO_GRAPH_ACCESS_TOKEN',
};

export const BRIDGES = ['rest', 'powershell'] as const;
/** PowerShell sessions per tenant at most: each is a pwsh process of a few hundred MB, and the service limits concurrent connections. */
export const MAX_POWERSHELL_SESSIONS = 3;

export const DEFAULT_MAX_CONCURRENT_REQUESTS = 4;

const env = (name: string): string => `Defaults to the \`${PROVIDER_ENVIRONMENT[name]}\` environment variable.`;

export const providerSchema: Schema = {
  version: 0,
  block: {
    description:
      'Manages Exchange Online SMTP AUTH settings. Authenticate with an access token, or an Entra app (`client_id`) with a certificate or a client secret.',
    attributes: {
      organization: {
        type: 'string',
        optional: true,
        description: `The tenant: its initial domain (\`contoso.onmicrosoft.com\`) or tenant id. Required. ${env('organization')}`,
      },
      access_token: {
        type: 'string',
        optional: true,
        sensitive: true,
        description: `A ready OAuth access token for \`https://outlook.office365.com\`. ${env('access_token')}`,
      },
      client_id: {
        type: 'string',
        optional: true,
        description: `Application (client) id of an Entra app with Exchange.ManageAsApp. ${env('client_id')}`,
      },
      client_secret: {
        type: 'string',
        optional: true,
        sensitive: true,
        description: `Client secret of the app in \`client_id\`. ${env('client_secret')}`,
      },
      certificate_path: {
        type: 'string',
        optional: true,
        description: `Path to the app's certificate: a PFX/P12 file, or PEM with the private key. ${env('certificate_path')}`,
      },
      certificate_password: {
        type: 'string',
        optional: true,
        sensitive: true,
        description: `Password of the certificate file, if any. ${env('certificate_password')}`,
      },
      federated_token_file: {
        type: 'string',
        optional: true,
        description: `Workload identity federation: a file holding an OIDC ID token (a JWT) that your CI or Kubernetes issues, sent to Entra ID as the client assertion of the app in \`client_id\`, so no secret is stored anywhere. Read again for every token request (CI tokens rotate). ${env('federated_token_file')} When no other credential is configured, \`AZURE_FEDERATED_TOKEN_FILE\` (with \`AZURE_CLIENT_ID\`), as set by AKS workload identity, is used; failing that, in a GitHub Actions job with \`id-token: write\` and \`client_id\` set, the token is requested from the job's OIDC endpoint (\`ACTIONS_ID_TOKEN_REQUEST_URL\`) for every token request.`,
      },
      endpoint: {
        type: 'string',
        optional: true,
        description: `Base URL of the Exchange Online admin API. Defaults to \`https://outlook.office365.com\`; set it to an exoform emulator URL for tests. ${env('endpoint')}`,
      },
      environment: {
        type: 'string',
        optional: true,
        description:
          'The Microsoft 365 cloud, named as `Connect-ExchangeOnline -ExchangeEnvironmentName` names it: `O365Default` (worldwide, the default), ' +
          '`O365USGovGCCHigh`, `O365USGovDoD` or `O365China` (21Vianet); `commercial`, `gcc`, `gcchigh`, `dod` and `china` are accepted too ' +
          '(`gcc` uses the worldwide hosts but has no legacy-TLS endpoint). It decides the admin API host, the token scope and the Entra ID ' +
          `authority. ${env('environment')}`,
      },
      max_concurrent_requests: {
        type: 'number',
        optional: true,
        description: `Most requests in flight at once for this tenant (a \`$batch\` of up to 10 cmdlets counts as one). Default ${DEFAULT_MAX_CONCURRENT_REQUESTS}; lower it if the tenant is throttled. ${env('max_concurrent_requests')}`,
      },
      bridge: {
        type: 'string',
        optional: true,
        description: `How the provider talks to Exchange Online: \`rest\` (default; the admin API over HTTPS) or \`powershell\` (Microsoft's ExchangeOnlineManagement module in pwsh sessions, for organisations that mandate it; see docs/guides/powershell-bridge.md). Both behave the same for every resource. ${env('bridge')}`,
      },
      powershell_path: {
        type: 'string',
        optional: true,
        description: `With \`bridge = "powershell"\`: the PowerShell 7 executable, with ExchangeOnlineManagement 3.1 or later installed. Default \`pwsh\` on PATH. ${env('powershell_path')}`,
      },
      user_principal_name: {
        type: 'string',
        optional: true,
        description: `With \`bridge = "powershell"\` only: sign in interactively as this administrator (\`Connect-ExchangeOnline -UserPrincipalName\`) instead of as an app. ${env('user_principal_name')}`,
      },
      managed_identity: {
        type: 'bool',
        optional: true,
        description: `With \`bridge = "powershell"\` only: sign in with the Azure managed identity of the machine running Terraform (\`Connect-ExchangeOnline -ManagedIdentity\`); set \`client_id\` for a user-assigned identity. ${env('managed_identity')}`,
      },
      graph_access_token: {
        type: 'string',
        optional: true,
        sensitive: true,
        description:
          'A ready OAuth access token for Microsoft Graph (`https://graph.microsoft.com`, with Policy.Read.All, AuditLog.Read.All and Reports.Read.All), ' +
          'used only by `exchangeonline_smtp_auth_readiness` to read Entra security defaults and Basic SMTP sign-ins. Needed only with `access_token`, ' +
          'which is an Exchange token and cannot call Graph; with `client_id` the provider gets a Graph token from the same app. ' +
          env('graph_access_token'),
      },
    },
  },
};

/** Configuration value, else its environment variable, else undefined (empty strings count as unset). */
export function settingFrom(config: ObjectValue, name: string, environment: NodeJS.ProcessEnv): string | undefined {
  const configured = readString(config, name);
  if (configured !== undefined && configured !== '') return configured;
  const fromEnvironment = environment[PROVIDER_ENVIRONMENT[name]];
  return fromEnvironment !== undefined && fromEnvironment !== '' ? fromEnvironment : undefined;
}

function maxConcurrentRequests(config: ObjectValue, environment: NodeJS.ProcessEnv): number {
  const configured = config.max_concurrent_requests;
  const raw =
    typeof configured === 'number' || typeof configured === 'string'
      ? configured
      : environment[PROVIDER_ENVIRONMENT.max_concurrent_requests];
  if (raw === undefined || raw === '') return DEFAULT_MAX_CONCURRENT_REQUESTS;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 1 || value > 64) {
    throw new DiagnosticError(
      errorDiagnostic(
        'Invalid exchangeonline provider configuration',
        `max_concurrent_requests must be a whole number from 1 to 64, got ${showSettingValue(raw)}.`,
        typeof configured === 'number' || typeof configured === 'string' ? ['max_concurrent_requests'] : undefined,
      ),
    );
  }
  return value;
}

/** `managed_identity`: the configured bool, else EXO_MANAGED_IDENTITY ("true"/"1"/"false"/"0"). */
function managedIdentitySetting(config: ObjectValue, environment: NodeJS.ProcessEnv): boolean | undefined {
  const configured = readBool(config, 'managed_identity');
  if (configured !== undefined) return configured;
  const raw = environment[PROVIDER_ENVIRONMENT.managed_identity];
  if (raw === undefined || raw.trim() === '') return undefined;
  if (/^(true|1)$/i.test(raw.trim())) return true;
  if (/^(false|0)$/i.test(raw.trim())) return false;
  throw new ConfigurationError(
    `The ${PROVIDER_ENVIRONMENT.managed_identity} environment variable is ${showSettingValue(raw)}; expected true or false.`,
    `Set ${PROVIDER_ENVIRONMENT.managed_identity} to true or false, or set \`managed_identity\` in the provider block.`,
    ['managed_identity'],
  );
}

/** `bridge`: rest (default) or powershell. */
function bridgeSetting(setting: (name: string) => string | undefined): (typeof BRIDGES)[number] {
  const value = setting('bridge')?.trim().toLowerCase() ?? 'rest';
  if ((BRIDGES as readonly string[]).includes(value)) return value as (typeof BRIDGES)[number];
  throw new ConfigurationError(
    `The \`bridge\` setting ${showSettingValue(setting('bridge'))} is not a bridge exoform has.`,
    'Set `bridge` to "rest" (the default) or "powershell".',
    ['bridge'],
  );
}

/** Settings only the PowerShell bridge understands are refused with the REST bridge rather than silently ignored. */
function rejectPowerShellOnlySettings(
  setting: (name: string) => string | undefined,
  managedIdentity: boolean | undefined,
): void {
  const set = [
    setting('user_principal_name') !== undefined ? 'user_principal_name' : undefined,
    managedIdentity === true ? 'managed_identity' : undefined,
  ].filter((name): name is string => name !== undefined);
  if (set.length === 0) return;
  throw new ConfigurationError(
    `\`${set[0]}\` needs bridge = "powershell": the REST bridge signs in with \`access_token\`, or \`client_id\` with \`client_secret\` or \`certificate_path\`.`,
    `Set \`bridge = "powershell"\` (pwsh with ExchangeOnlineManagement must be installed), or remove \`${set[0]}\` and use one of the REST bridge's credentials.`,
    [set[0]!, 'bridge'],
  );
}

/**
 * `federated_token_file` (or EXO_FEDERATED_TOKEN_FILE). Failing that, and only when no other credential is set (where
 * the REST bridge would otherwise refuse to start): the Azure SDKs' workload identity variables
 * AZURE_FEDERATED_TOKEN_FILE and AZURE_CLIENT_ID (AKS sets both), or, in a GitHub Actions job with `id-token: write`,
 * its OIDC endpoint (ACTIONS_ID_TOKEN_REQUEST_URL / ACTIONS_ID_TOKEN_REQUEST_TOKEN) when `client_id` is set.
 */
function federatedSettings(
  credentials: { accessToken?: string; clientId?: string; clientSecret?: string; certificatePath?: string },
  configured: string | undefined,
  environment: NodeJS.ProcessEnv,
): { federatedTokenFile?: string; federatedTokenRequest?: { url: string; bearer: string }; clientId?: string } {
  if (configured !== undefined) return { federatedTokenFile: configured };
  if (credentials.accessToken || credentials.clientSecret || credentials.certificatePath) return {};
  if (environment.AZURE_FEDERATED_TOKEN_FILE) {
    return {
      federatedTokenFile: environment.AZURE_FEDERATED_TOKEN_FILE,
      clientId: credentials.clientId ?? (environment.AZURE_CLIENT_ID || undefined),
    };
  }
  const url = environment.ACTIONS_ID_TOKEN_REQUEST_URL;
  const bearer = environment.ACTIONS_ID_TOKEN_REQUEST_TOKEN;
  if (url && bearer && credentials.clientId) return { federatedTokenRequest: { url, bearer } };
  return {};
}

function rejectFederatedWithPowerShell(federatedTokenFile: string | undefined): void {
  if (federatedTokenFile === undefined) return;
  throw new ConfigurationError(
    '`federated_token_file` needs the REST bridge: Connect-ExchangeOnline has no way to sign in with a federated token.',
    'Remove `bridge = "powershell"` (the REST bridge is the default), or sign in to the PowerShell bridge with a certificate.',
    ['federated_token_file', 'bridge'],
  );
}

/** Builds the PowerShell bridge; its module (and node-powershell) is loaded only here, when the block asks for it. */
function createConfiguredPowerShellBridge(
  settings: PowerShellBridgeSettings,
  runtime: PowerShellBridgeRuntimeOptions,
): ExchangeBridge {
  const { createPowerShellBridge } =
    require('../bridge/powershell/create-powershell-bridge') as typeof import('../bridge/powershell/create-powershell-bridge');
  return createPowerShellBridge(settings, runtime);
}

/** The legacy-TLS SMTP host of the configured cloud (null where it has none); see src/bridge/clouds.ts. */
export function legacyTlsHostFor(endpoint: string | undefined, environment?: string): string | null {
  return resolveCloud(environment, endpoint).legacyTlsHost;
}

/**
 * EXOFORM_RETRY_BACKOFF_MS: the first transient-failure backoff (default 2000 ms, doubling). Not a provider setting:
 * it exists so fault-injection tests and benchmarks against the emulator can run thousands of retries in seconds.
 */
function retryTuning(
  environment: NodeJS.ProcessEnv,
): { initialBackoffMs?: number; tokenRetryPauseMs?: number } | undefined {
  const raw = environment.EXOFORM_RETRY_BACKOFF_MS;
  if (raw === undefined || !/^\d{1,6}$/.test(raw.trim())) return undefined;
  const ms = Number(raw.trim());
  return { initialBackoffMs: ms, tokenRetryPauseMs: Math.min(ms, 1_000) };
}

export function createExoformProvider(
  logger: Logger,
  environment: NodeJS.ProcessEnv = process.env,
): ProviderDefinition<ExchangeClient> {
  return {
    schema: providerSchema,
    resources: [
      transportConfigResource,
      mailboxSmtpAuthResource,
      mailboxSmtpAuthListResource,
      authenticationPolicyResource,
      authenticationPolicyAssignmentResource,
      defaultAuthenticationPolicyResource,
    ],
    dataSources: [
      transportConfigDataSource,
      casMailboxesDataSource,
      authenticationPoliciesDataSource,
      smtpAuthReadinessDataSource,
    ],
    functions: [mailboxListFunction],

    async configure(config) {
      const setting = (name: string): string | undefined => settingFrom(config, name, environment);
      try {
        const bridgeLogger = (
          level: 'debug' | 'info' | 'warn' | 'error',
          message: string,
          fields: Record<string, unknown>,
        ): void => logger.log(level, message, flattenFields(fields));
        const managedIdentity = managedIdentitySetting(config, environment);
        const maxConcurrent = maxConcurrentRequests(config, environment);
        // What both bridges read: the tenant, the credentials and the endpoint.
        const credentials = {
          organization: setting('organization') ?? '',
          accessToken: setting('access_token'),
          clientId: setting('client_id'),
          clientSecret: setting('client_secret'),
          certificatePath: setting('certificate_path'),
          certificatePassword: setting('certificate_password'),
          endpoint: setting('endpoint'),
          environment: setting('environment'),
        };
        const cloud: Cloud = resolveCloud(credentials.environment, credentials.endpoint);
        let bridge: ExchangeBridge;
        const usesPowerShell = bridgeSetting(setting) === 'powershell';
        if (usesPowerShell) {
          rejectFederatedWithPowerShell(setting('federated_token_file'));
          bridge = createConfiguredPowerShellBridge(
            {
              ...credentials,
              managedIdentity,
              userPrincipalName: setting('user_principal_name'),
              powershellPath: setting('powershell_path'),
            },
            {
              checkCertificateNow: true,
              maxSessions: Math.min(maxConcurrent, MAX_POWERSHELL_SESSIONS),
              logger: bridgeLogger,
              retry: retryTuning(environment),
            },
          );
        } else {
          rejectPowerShellOnlySettings(setting, managedIdentity);
          bridge = createRestBridge(
            { ...credentials, ...federatedSettings(credentials, setting('federated_token_file'), environment) },
            { checkCertificateNow: true, logger: bridgeLogger, retry: retryTuning(environment) },
          );
        }
        const limited = new ConcurrencyLimitedBridge(bridge, { maxConcurrent });
        const mailboxes = new MailboxDirectory(limited, { debug: (message) => logger.log('debug', message, {}) });
        return {
          organization: bridge.organization,
          bridge: limited,
          mailboxes,
          legacyTlsHost: cloud.legacyTlsHost,
          cloudLabel: cloud.label,
          tenantAnswered: tenantCheck(limited, mailboxes),
          graph: {
            ...credentials,
            organization: bridge.organization,
            graphAccessToken: setting('graph_access_token'),
            ...(usesPowerShell ? {} : federatedSettings(credentials, setting('federated_token_file'), environment)),
            // An interactive or managed-identity sign-in to Exchange leaves the provider with no app to ask for a Graph token.
            noGraphReason:
              setting('user_principal_name') !== undefined
                ? 'the provider signs in to Exchange interactively (`user_principal_name`)'
                : managedIdentity === true
                  ? 'the provider signs in to Exchange with a managed identity'
                  : undefined,
          },
        };
      } catch (error) {
        if (error instanceof ConfigurationError) {
          const attribute = error.attributes[0];
          const variable = attribute ? PROVIDER_ENVIRONMENT[attribute] : undefined;
          // Whatever path produced the message, no credential-carrying setting is echoed raw.
          const secrets = [
            'access_token',
            'client_secret',
            'certificate_password',
            'endpoint',
            'graph_access_token',
          ].map(setting);
          const detail = scrubSecrets(redactUrlCredentials(`${error.message}\n\n${error.remedy}`), secrets);
          throw new DiagnosticError(
            errorDiagnostic(
              'Invalid exchangeonline provider configuration',
              detail +
                (variable ? `\n(\`${attribute}\` can also come from the ${variable} environment variable.)` : ''),
              attribute && config[attribute] !== undefined && config[attribute] !== null ? [attribute] : undefined,
            ),
          );
        }
        throw error;
      }
    },

    beforeCreatePlan(client, { signal }) {
      return client.tenantAnswered(signal);
    },

    describeError: describeExchangeError,

    async close(client) {
      await client.bridge.close();
    },
  };
}

function flattenFields(fields: Record<string, unknown>): LogFields {
  const out: LogFields = {};
  for (const [key, value] of Object.entries(fields)) {
    out[key] =
      typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean'
        ? value
        : JSON.stringify(value);
  }
  return out;
}

const SUMMARY: Record<string, string> = {
  'not-found': 'Object not found in Exchange Online',
  throttled: 'Exchange Online is throttling requests',
  authentication: 'Exchange Online refused the credentials',
  transient: 'Exchange Online failed temporarily',
  'invalid-input': 'Exchange Online rejected the request',
  'service-bug': 'Exchange Online failed with a known service error',
  cancelled: 'Cancelled',
  unreachable: 'Cannot reach Exchange Online',
  configuration: 'Invalid exchangeonline provider configuration',
};

/** One error style for every resource: what failed, the service's words, and what to do. */
export function describeExchangeError(error: unknown, operation: string): Diagnostic {
  if (isExchangeError(error)) {
    const cmdlet = error.cmdlet ? ` (${error.cmdlet})` : '';
    return errorDiagnostic(
      `${SUMMARY[error.kind] ?? 'Exchange Online error'}: could not ${operation}${cmdlet}`,
      `${error.message}\n\n${error.remedy}`,
    );
  }
  const message = error instanceof Error ? error.message : String(error);
  return errorDiagnostic(
    `Could not ${operation}`,
    `${message}\n\nIf this persists, report it with the Terraform log (TF_LOG_PROVIDER=debug).`,
  );
}
