/**
 * Reading the provider block's settings: each from the block, else its EXO_* environment variable, and refusing
 * combinations the chosen bridge cannot honour, with the setting to change named.
 */
import { ConfigurationError } from '../bridge/errors';
import { showSettingValue } from '../bridge/redact';
import { errorDiagnostic } from '../protocol/diagnostics';
import { DiagnosticError } from './framework/resource';
import { readBool, readString, type ObjectValue } from './framework/values';
import { DEFAULT_MAX_CONCURRENT_REQUESTS, PROVIDER_ENVIRONMENT } from './provider-schema';

export const BRIDGES = ['rest', 'powershell'] as const;
/** Configuration value, else its environment variable, else undefined (empty strings count as unset). */
export function settingFrom(config: ObjectValue, name: string, environment: NodeJS.ProcessEnv): string | undefined {
  const configured = readString(config, name);
  if (configured !== undefined && configured !== '') return configured;
  const fromEnvironment = environment[PROVIDER_ENVIRONMENT[name]];
  return fromEnvironment !== undefined && fromEnvironment !== '' ? fromEnvironment : undefined;
}

export function maxConcurrentRequests(config: ObjectValue, environment: NodeJS.ProcessEnv): number {
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
export function managedIdentitySetting(config: ObjectValue, environment: NodeJS.ProcessEnv): boolean | undefined {
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
export function bridgeSetting(setting: (name: string) => string | undefined): (typeof BRIDGES)[number] {
  const value = setting('bridge')?.trim().toLowerCase() ?? 'rest';
  if ((BRIDGES as readonly string[]).includes(value)) return value as (typeof BRIDGES)[number];
  throw new ConfigurationError(
    `The \`bridge\` setting ${showSettingValue(setting('bridge'))} is not a bridge exoform has.`,
    'Set `bridge` to "rest" (the default) or "powershell".',
    ['bridge'],
  );
}

/** Settings only the PowerShell bridge understands are refused with the REST bridge rather than silently ignored. */
export function rejectPowerShellOnlySettings(
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
export function federatedSettings(
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

export function rejectFederatedWithPowerShell(federatedTokenFile: string | undefined): void {
  if (federatedTokenFile === undefined) return;
  throw new ConfigurationError(
    '`federated_token_file` needs the REST bridge: Connect-ExchangeOnline has no way to sign in with a federated token.',
    'Remove `bridge = "powershell"` (the REST bridge is the default), or sign in to the PowerShell bridge with a certificate.',
    ['federated_token_file', 'bridge'],
  );
}

/**
 * EXOFORM_RETRY_BACKOFF_MS: the first transient-failure backoff (default 2000 ms, doubling). Not a provider setting:
 * it exists so fault-injection tests and benchmarks against the emulator can run thousands of retries in seconds.
 */
export function retryTuning(
  environment: NodeJS.ProcessEnv,
): { initialBackoffMs?: number; tokenRetryPauseMs?: number } | undefined {
  const raw = environment.EXOFORM_RETRY_BACKOFF_MS;
  if (raw === undefined || !/^\d{1,6}$/.test(raw.trim())) return undefined;
  const ms = Number(raw.trim());
  return { initialBackoffMs: ms, tokenRetryPauseMs: Math.min(ms, 1_000) };
}
