/**
 * Builds a PowerShellBridge from the provider settings. Everything that can be checked without starting pwsh is
 * checked here (credential combination, organization, endpoint, the PFX file and its password), so mistakes fail
 * `terraform plan` with a ConfigurationError naming the attributes to fix. pwsh itself starts on the first call.
 */

import { resolvePowerShellConnection, type PowerShellBridgeSettings } from './connection';
import { PowerShellBridge, type PowerShellBridgeOptions } from './powershell-bridge';

export interface PowerShellBridgeRuntimeOptions extends Omit<PowerShellBridgeOptions, 'connection'> {
  /** Read and check the certificate file now rather than when pwsh first connects. */
  checkCertificateNow?: boolean;
}

export function createPowerShellBridge(
  settings: PowerShellBridgeSettings,
  runtime: PowerShellBridgeRuntimeOptions = {},
): PowerShellBridge {
  const { checkCertificateNow, ...options } = runtime;
  const connection = resolvePowerShellConnection(settings, { checkCertificateNow });
  options.logger?.('debug', 'PowerShell bridge configured', {
    signIn: connection.description,
    executable: connection.executable,
    maxSessions: options.maxSessions ?? 1,
  });
  return new PowerShellBridge({ ...options, connection });
}
