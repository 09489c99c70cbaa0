/**
 * The tenant's transport config (Get-/Set-TransportConfig): org-wide SMTP AUTH and legacy TLS clients.
 */
import type { JsonValue } from '../bridge/bridge';
import { booleanOf, property } from './row';
import { invoke, type ExchangeSession } from './session';

export interface TransportConfigSettings {
  /** true = SMTP AUTH is off for the whole organization (mailboxes may still override). */
  smtpClientAuthenticationDisabled: boolean;
  /** Exchange reads "not set" as null, which means disabled; exposed here as false. */
  allowLegacyTlsClients: boolean;
  /** True when the tenant has never set AllowLegacyTLSClients (reads null). */
  allowLegacyTlsClientsNotSet?: boolean;
}

/** What Set-TransportConfig may change; `allowLegacyTlsClients: null` clears the opt-in back to "not set". */
export interface TransportConfigChanges {
  smtpClientAuthenticationDisabled?: boolean;
  allowLegacyTlsClients?: boolean | null;
}

export async function readTransportConfig(session: ExchangeSession): Promise<TransportConfigSettings> {
  const rows = await invoke(session, 'Get-TransportConfig');
  if (rows.length !== 1) throw new Error(`Get-TransportConfig returned ${rows.length} objects; expected exactly one`);
  const row = rows[0];
  const legacyTls = property(row, 'AllowLegacyTLSClients');
  return {
    smtpClientAuthenticationDisabled: expectBoolean(
      property(row, 'SmtpClientAuthenticationDisabled'),
      'SmtpClientAuthenticationDisabled',
    ),
    allowLegacyTlsClients:
      legacyTls === null || legacyTls === undefined ? false : expectBoolean(legacyTls, 'AllowLegacyTLSClients'),
    allowLegacyTlsClientsNotSet: legacyTls === null || legacyTls === undefined,
  };
}

/**
 * Sets only the settings given; sends nothing when nothing is given. A null AllowLegacyTLSClients goes as JSON null,
 * which both bridges hand to the cmdlet as $null (the parameter is System.Object in the server's cmdlet catalog).
 */
export async function setTransportConfig(session: ExchangeSession, changes: TransportConfigChanges): Promise<void> {
  const parameters: Record<string, JsonValue> = {};
  if (changes.smtpClientAuthenticationDisabled !== undefined)
    parameters.SmtpClientAuthenticationDisabled = changes.smtpClientAuthenticationDisabled;
  if (changes.allowLegacyTlsClients !== undefined) parameters.AllowLegacyTLSClients = changes.allowLegacyTlsClients;
  if (Object.keys(parameters).length === 0) return;
  await invoke(session, 'Set-TransportConfig', parameters);
}

function expectBoolean(value: JsonValue | undefined, property: string): boolean {
  // The PowerShell bridge may hand back "True"/"False" strings from older module versions.
  const parsed = booleanOf(value);
  if (parsed !== undefined) return parsed;
  throw new Error(`Get-TransportConfig returned ${JSON.stringify(value)} for ${property}; expected a Boolean`);
}
