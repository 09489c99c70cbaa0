/**
 * The bridge the provider block asks for, built and wrapped: the REST or PowerShell bridge, limited to
 * `max_concurrent_requests`, and the ExchangeClient every resource receives.
 */
import type { ExchangeBridge } from '../bridge/bridge';
import { resolveCloud, type Cloud } from '../bridge/clouds';
import { ConcurrencyLimitedBridge } from '../bridge/limited-bridge';
// Types only: the PowerShell bridge module itself is required in createConfiguredPowerShellBridge, when configured.
import type { PowerShellBridgeSettings } from '../bridge/powershell/connection';
import type { PowerShellBridgeRuntimeOptions } from '../bridge/powershell/create-powershell-bridge';
import { createRestBridge } from '../bridge/rest/create-rest-bridge';
import { MailboxDirectory } from '../exchange/mailbox-directory';
import type { LogFields, Logger } from '../protocol/logging';
import type { ObjectValue } from './framework/values';
import {
  bridgeSetting,
  federatedSettings,
  managedIdentitySetting,
  maxConcurrentRequests,
  rejectFederatedWithPowerShell,
  rejectPowerShellOnlySettings,
  retryTuning,
} from './provider-settings';
import type { ExchangeClient } from './shared/exchange-client';

/** PowerShell sessions per tenant at most: each is a pwsh process of a few hundred MB, and the service limits concurrent connections. */
export const MAX_POWERSHELL_SESSIONS = 3;

/**
 * The configured client for one provider block. Throws ConfigurationError for a setting it cannot use; `setting`
 * reads a setting from the block, else its environment variable.
 */
export function createExchangeClient(
  config: ObjectValue,
  setting: (name: string) => string | undefined,
  environment: NodeJS.ProcessEnv,
  logger: Logger,
): ExchangeClient {
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
}

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

/** Builds the PowerShell bridge; its module (and node-powershell) is loaded only here, when the block asks for it. */
function createConfiguredPowerShellBridge(
  settings: PowerShellBridgeSettings,
  runtime: PowerShellBridgeRuntimeOptions,
): ExchangeBridge {
  const { createPowerShellBridge } =
    require('../bridge/powershell/create-powershell-bridge') as typeof import('../bridge/powershell/create-powershell-bridge');
  return createPowerShellBridge(settings, runtime);
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
