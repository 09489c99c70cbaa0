/**
 * Get-CASMailbox, Get-EXOCasMailbox and Set-CASMailbox: per-mailbox client access settings, including the SMTP AUTH
 * override.
 *
 * Semantics (EXCHANGE-FACTS.md): SmtpClientAuthenticationDisabled is null (inherit the org value), true or false.
 * Without -ResultSize the Get- cmdlets stop at 1000 objects and warn; an empty or null -Identity returns every mailbox
 * (the documented pitfall, reproduced on purpose). Get- cmdlets return every match of an ambiguous identity; Set-
 * refuses an ambiguous one. Users without a mailbox are not CAS mailboxes: not found.
 *
 * Get-EXOCasMailbox returns property sets (Microsoft's "Property sets in Exchange Online PowerShell module cmdlets"):
 * by default only the Minimum set, which does NOT contain SmtpClientAuthenticationDisabled; that property is in no
 * named set and comes back only when asked for with -Properties.
 */
import type { JsonValue, Row } from '../../bridge/bridge';
import { wireErrors } from '../errors';
import { normalizeGuid } from '../ids';
import { EMULATED_FOREST, EMULATED_SERVER, RecipientRecord, isMailbox } from '../model';
import { resolveRecipient } from '../recipients';
import type { Tenant } from '../tenant-store';
import { BoundParameters, CmdletDefinition, CmdletOutput, SHOULD_PROCESS_PARAMETERS, eagerRows, lazyRows } from './registry';

export const DEFAULT_RESULT_SIZE = 1000;

export const RESULT_SIZE_DEFAULT_WARNING =
  'By default, only the first 1000 items are returned. Use the ResultSize parameter to specify the number of items returned. ' +
  'To return all items, specify "-ResultSize Unlimited". Be aware that, depending on the actual number of items, returning all ' +
  'items can take a long time and consume a large amount of memory. Also, we don\'t recommend storing the results in a variable. ' +
  'Instead, pipe the results to another task or script to perform batch changes.';

export const RESULT_SIZE_EXCEEDED_WARNING =
  'There are more results available than are currently displayed. To view them, increase the value for the ResultSize parameter.';

/** Applies -ResultSize (default 1000, with Exchange's warnings) to a list of matches. */
export function limitResults<T>(matches: readonly T[], resultSize: BoundParameters[string] | undefined, warnings: string[]): readonly T[] {
  const limit = resultSize === 'Unlimited' ? Infinity : typeof resultSize === 'number' ? resultSize : DEFAULT_RESULT_SIZE;
  if (matches.length <= limit) return matches;
  warnings.push(resultSize === undefined ? RESULT_SIZE_DEFAULT_WARNING : RESULT_SIZE_EXCEEDED_WARNING);
  return matches.slice(0, limit);
}

/** The "no settings have been modified" warning the service attaches to a Set- that changes nothing. */
export function notModifiedWarning(identity: string): string {
  return `The command completed successfully but no settings of '${identity}' have been modified.`;
}

export function renderCasMailbox(recipient: RecipientRecord): Row {
  return {
    Identity: recipient.Name,
    Name: recipient.Name,
    DisplayName: recipient.DisplayName,
    PrimarySmtpAddress: recipient.PrimarySmtpAddress,
    EmailAddresses: [...recipient.EmailAddresses],
    Guid: recipient.Guid,
    ExchangeObjectId: recipient.ExchangeObjectId,
    ExternalDirectoryObjectId: recipient.ExternalDirectoryObjectId,
    DistinguishedName: recipient.DistinguishedName,
    LegacyExchangeDN: recipient.LegacyExchangeDN,
    SamAccountName: recipient.SamAccountName,
    SmtpClientAuthenticationDisabled: recipient.SmtpClientAuthenticationDisabled,
    ActiveSyncEnabled: true,
    OWAEnabled: true,
    PopEnabled: true,
    ImapEnabled: true,
    MAPIEnabled: true,
    EwsEnabled: true,
    ECPEnabled: true,
  };
}

/** Mailboxes an identity names, for Get- cmdlets: all of them for an empty identity; 404 when none. */
function mailboxesFor(tenant: Tenant, identity: string | null | undefined): readonly RecipientRecord[] {
  const resolution = resolveRecipient(tenant, identity);
  let matches: readonly RecipientRecord[];
  switch (resolution.kind) {
    case 'all':
      return tenant.recipients.filter(isMailbox);
    case 'one':
      matches = isMailbox(resolution.recipient) ? [resolution.recipient] : [];
      break;
    case 'ambiguous':
      matches = resolution.matches.filter(isMailbox);
      break;
    case 'none':
      matches = [];
      break;
  }
  if (matches.length === 0) throw wireErrors.objectNotFound(identity ?? '');
  return matches;
}

export const getCasMailbox: CmdletDefinition = {
  name: 'Get-CASMailbox',
  parameters: {
    Identity: { type: 'String', nullable: true },
    ResultSize: { type: 'Unlimited' },
  },
  unmodelledParameters: ['Filter', 'Anr', 'OrganizationalUnit', 'SortBy', 'ActiveSyncDebugLogging', 'GetImapProtocolLog', 'GetPopProtocolLog', 'ProtocolSettings', 'RecalculateHasActiveSyncDevicePartnership', 'ReadIsOptimizedForAccessibility', 'SendLogsTo'],
  run: ({ tenant }, parameters) => {
    const warnings: string[] = [];
    const matches = limitResults(mailboxesFor(tenant, parameters.Identity as string | null | undefined), parameters.ResultSize, warnings);
    return { rows: lazyRows(matches, renderCasMailbox), warnings };
  },
};

// ---------------------------------------------------------------------------------------------------------------
// Get-EXOCasMailbox: property sets

type PropertyGetter = (recipient: RecipientRecord, tenant: Tenant) => JsonValue;

const SERVER_LEGACY_DN = `/o=ExchangeLabs/ou=Exchange Administrative Group (FYDIBOHF23SPDLT)/cn=Configuration/cn=Servers/cn=${EMULATED_SERVER.split('.')[0]}`;

function organizationId(tenant: Tenant): string {
  return `${EMULATED_FOREST}/Microsoft Exchange Hosted Organizations/${tenant.initialDomain} - ${EMULATED_FOREST}/ConfigurationUnits/${tenant.initialDomain}/Configuration`;
}

/** Every property Get-EXOCasMailbox can return, canonical spelling → value. Only SMTP AUTH is stateful. */
const CAS_PROPERTIES: Readonly<Record<string, PropertyGetter>> = {
  // Minimum
  ActiveSyncEnabled: () => true,
  DisplayName: (r) => r.DisplayName,
  ECPEnabled: () => true,
  EmailAddresses: (r) => [...r.EmailAddresses],
  EwsEnabled: () => true,
  ExchangeVersion: () => '0.20 (15.0.0.0)',
  Guid: (r) => r.Guid,
  Identity: (r) => r.Name,
  ImapEnabled: () => true,
  MAPIEnabled: () => true,
  Name: (r) => r.Name,
  OWAEnabled: () => true,
  OrganizationId: (_r, t) => organizationId(t),
  PopEnabled: () => true,
  PrimarySmtpAddress: (r) => r.PrimarySmtpAddress,
  ServerLegacyDN: () => SERVER_LEGACY_DN,
  // ActiveSync
  ActiveSyncAllowedDeviceIDs: () => [],
  ActiveSyncBlockedDeviceIDs: () => [],
  ActiveSyncMailboxPolicy: () => 'Default',
  ActiveSyncMailboxPolicyIsDefaulted: () => true,
  ActiveSyncSuppressReadReceipt: () => false,
  ExternalDirectoryObjectId: (r) => r.ExternalDirectoryObjectId,
  HasActiveSyncDevicePartnership: () => false,
  // Ews
  EwsAllowMacOutlook: () => null,
  EwsAllowOutlook: () => null,
  // Imap
  ImapEnableExactRFC822Size: () => false,
  ImapForceICalForCalendarRetrievalOption: () => false,
  ImapMessagesRetrievalMimeFormat: () => 'BestBodyFormat',
  ImapSuppressReadReceipt: () => false,
  ImapUseProtocolDefaults: () => true,
  // Mapi
  MAPIBlockOutlookExternalConnectivity: () => false,
  MAPIBlockOutlookNonCachedMode: () => false,
  MAPIBlockOutlookRpcHttp: () => false,
  MAPIBlockOutlookVersions: () => null,
  MapiHttpEnabled: () => null,
  // Pop
  PopEnableExactRFC822Size: () => false,
  PopMessagesRetrievalMimeFormat: () => 'BestBodyFormat',
  PopSuppressReadReceipt: () => false,
  PopUseProtocolDefaults: () => true,
  // ProtocolSettings
  ExternalImapSettings: () => 'outlook.office365.com:993:SSL',
  ExternalPopSettings: () => 'outlook.office365.com:995:SSL',
  ExternalSmtpSettings: () => 'smtp.office365.com:587:TLS',
  InternalImapSettings: () => 'outlook.office365.com:993:SSL',
  InternalPopSettings: () => 'outlook.office365.com:995:SSL',
  InternalSmtpSettings: () => 'smtp.office365.com:587:TLS',
  // In no named property set: only with -Properties.
  SmtpClientAuthenticationDisabled: (r) => r.SmtpClientAuthenticationDisabled,
  UserPrincipalName: (r) => r.UserPrincipalName,
  Alias: (r) => r.Alias,
  DistinguishedName: (r) => r.DistinguishedName,
  ExchangeObjectId: (r) => r.ExchangeObjectId,
  LegacyExchangeDN: (r) => r.LegacyExchangeDN,
  SamAccountName: (r) => r.SamAccountName,
  OWAforDevicesEnabled: () => true,
  OutlookMobileEnabled: () => true,
  MacOutlookEnabled: () => true,
  UniversalOutlookEnabled: () => true,
  OneWinNativeOutlookEnabled: () => true,
  WhenCreatedUTC: (r) => r.WhenCreatedUTC,
};

const BASE = ['ExternalDirectoryObjectId', 'Guid', 'Identity', 'Name', 'OrganizationId'];

/** The documented property sets of Get-EXOCasMailbox. `All` is their union: it does not add SmtpClientAuthenticationDisabled. */
export const CAS_PROPERTY_SETS: Readonly<Record<string, readonly string[]>> = {
  Minimum: [
    'ActiveSyncEnabled', 'DisplayName', 'ECPEnabled', 'EmailAddresses', 'EwsEnabled', 'ExchangeVersion', 'Guid', 'Identity',
    'ImapEnabled', 'MAPIEnabled', 'Name', 'OWAEnabled', 'OrganizationId', 'PopEnabled', 'PrimarySmtpAddress', 'ServerLegacyDN',
  ],
  ActiveSync: ['ActiveSyncAllowedDeviceIDs', 'ActiveSyncBlockedDeviceIDs', 'ActiveSyncEnabled', 'ActiveSyncMailboxPolicy',
    'ActiveSyncMailboxPolicyIsDefaulted', 'ActiveSyncSuppressReadReceipt', 'HasActiveSyncDevicePartnership', ...BASE],
  Ews: ['EwsAllowMacOutlook', 'EwsAllowOutlook', 'EwsEnabled', ...BASE],
  Imap: ['ImapEnableExactRFC822Size', 'ImapEnabled', 'ImapForceICalForCalendarRetrievalOption', 'ImapMessagesRetrievalMimeFormat',
    'ImapSuppressReadReceipt', 'ImapUseProtocolDefaults', ...BASE],
  Mapi: ['MAPIBlockOutlookExternalConnectivity', 'MAPIBlockOutlookNonCachedMode', 'MAPIBlockOutlookRpcHttp', 'MAPIBlockOutlookVersions',
    'MAPIEnabled', 'MapiHttpEnabled', ...BASE],
  Pop: ['PopEnableExactRFC822Size', 'PopEnabled', 'PopMessagesRetrievalMimeFormat', 'PopSuppressReadReceipt', 'PopUseProtocolDefaults', ...BASE],
  ProtocolSettings: ['ExternalImapSettings', 'ExternalPopSettings', 'ExternalSmtpSettings', 'InternalImapSettings', 'InternalPopSettings',
    'InternalSmtpSettings', ...BASE],
};
const SET_NAMES = [...Object.keys(CAS_PROPERTY_SETS), 'All'];
const PROPERTY_BY_LOWER = new Map(Object.keys(CAS_PROPERTIES).map((name) => [name.toLowerCase(), name]));

/** The property names a Get-EXOCasMailbox call returns, in a stable order. Throws 400 for unknown names. */
export function selectCasProperties(propertySets: readonly string[] | undefined, properties: readonly string[] | undefined): string[] {
  const selected = new Set<string>();
  const sets: string[] = [];
  for (const given of propertySets ?? []) {
    const set = SET_NAMES.find((name) => name.toLowerCase() === given.trim().toLowerCase());
    if (!set) {
      throw wireErrors.argumentTransformation('PropertySets',
        `Cannot convert value "${given}" to type "Microsoft.Exchange.Management.RestApiClient.GetExoCasMailbox+PropertySet". ` +
          `Error: "Unable to match the identifier name ${given} to a valid enumerator name. Specify one of the following enumerator names and try again: ${SET_NAMES.join(', ')}"`);
    }
    sets.push(set);
  }
  // -PropertySets replaces the default Minimum set (ask for Minimum explicitly to keep it); -Properties adds to it.
  if (sets.length === 0) sets.push('Minimum');
  for (const set of sets) {
    for (const name of set === 'All' ? Object.values(CAS_PROPERTY_SETS).flat() : CAS_PROPERTY_SETS[set]!) selected.add(name);
  }
  for (const given of (properties ?? []).flatMap((p) => p.split(',')).map((p) => p.trim()).filter((p) => p !== '')) {
    const name = PROPERTY_BY_LOWER.get(given.toLowerCase());
    if (!name) throw wireErrors.invalidProperty(given, 'Exchange.CASMailbox', Object.keys(CAS_PROPERTIES));
    selected.add(name);
  }
  return [...selected];
}

export function renderExoCasMailbox(recipient: RecipientRecord, tenant: Tenant, properties: readonly string[]): Row {
  const row: Row = {};
  for (const name of properties) row[name] = CAS_PROPERTIES[name]!(recipient, tenant);
  return row;
}

export const getExoCasMailbox: CmdletDefinition = {
  name: 'Get-EXOCasMailbox',
  parameters: {
    Identity: { type: 'String', nullable: true },
    UserPrincipalName: { type: 'String' },
    PrimarySmtpAddress: { type: 'String' },
    ExternalDirectoryObjectId: { type: 'String' },
    ResultSize: { type: 'Unlimited' },
    Properties: { type: 'StringArray', nullable: true },
    PropertySets: { type: 'StringArray', nullable: true },
  },
  unmodelledParameters: ['Anr', 'Filter', 'OrganizationalUnit', 'ProtocolSettings', 'ActiveSyncDebugLogging', 'GetImapProtocolLog', 'GetPopProtocolLog', 'IgnoreDefaultScope', 'ReadIsOptimizedForAccessibility', 'SendLogsTo'],
  run: ({ tenant }, parameters): CmdletOutput => {
    const properties = selectCasProperties(parameters.PropertySets as readonly string[] | null | undefined ?? undefined,
      parameters.Properties as readonly string[] | null | undefined ?? undefined);
    const selectors = ['Identity', 'UserPrincipalName', 'PrimarySmtpAddress', 'ExternalDirectoryObjectId'].filter((p) => p in parameters);
    if (selectors.length > 1) throw wireErrors.ambiguousParameterSet();
    let matches: readonly RecipientRecord[];
    if (selectors.length === 0 || selectors[0] === 'Identity') {
      matches = mailboxesFor(tenant, parameters.Identity as string | null | undefined);
    } else {
      // These three look up one attribute each, exactly, instead of resolving every identity form.
      const key = selectors[0] as 'UserPrincipalName' | 'PrimarySmtpAddress' | 'ExternalDirectoryObjectId';
      const given = parameters[key] as string;
      let wanted = given.trim().toLowerCase();
      if (key === 'ExternalDirectoryObjectId') {
        const guid = normalizeGuid(given.trim());
        if (!guid) {
          throw wireErrors.argumentTransformation(key, `Cannot convert value "${given}" to type "System.Guid". Error: "Guid should contain 32 digits with 4 dashes (xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx)."`);
        }
        wanted = guid;
      }
      matches = tenant.recipients.filter((r) => isMailbox(r) && (r[key] ?? '').toLowerCase() === wanted);
      if (matches.length === 0) throw wireErrors.objectNotFound(given);
    }
    const warnings: string[] = [];
    const limited = limitResults(matches, parameters.ResultSize, warnings);
    return { rows: lazyRows(limited, (r) => renderExoCasMailbox(r, tenant, properties)), warnings };
  },
};

// ---------------------------------------------------------------------------------------------------------------
// Set-CASMailbox

/** For Set- cmdlets: exactly one recipient, or the error Exchange gives (not found / ambiguous). */
export function requireOneRecipient(tenant: Tenant, identity: string, accept: (r: RecipientRecord) => boolean): RecipientRecord {
  const resolution = resolveRecipient(tenant, identity);
  if (resolution.kind === 'ambiguous') {
    const candidates = resolution.matches.filter(accept);
    if (candidates.length === 1) return candidates[0]!;
    if (candidates.length > 1) throw wireErrors.objectAmbiguous(identity);
  }
  if (resolution.kind === 'one' && accept(resolution.recipient)) return resolution.recipient;
  throw wireErrors.objectNotFound(identity);
}

export const setCasMailbox: CmdletDefinition = {
  name: 'Set-CASMailbox',
  parameters: {
    Identity: { type: 'String', mandatory: true },
    SmtpClientAuthenticationDisabled: { type: 'Boolean', nullable: true },
    ...SHOULD_PROCESS_PARAMETERS,
  },
  unmodelledParameters: [
    'ActiveSyncAllowedDeviceIDs', 'ActiveSyncBlockedDeviceIDs', 'ActiveSyncDebugLogging', 'ActiveSyncEnabled', 'ActiveSyncMailboxPolicy',
    'ActiveSyncSuppressReadReceipt', 'DisplayName', 'ECPEnabled', 'EmailAddresses', 'EwsAllowEntourage', 'EwsAllowList',
    'EwsAllowMacOutlook', 'EwsAllowOutlook', 'EwsApplicationAccessPolicy', 'EwsBlockList', 'EwsEnabled', 'ImapEnabled',
    'ImapEnableExactRFC822Size', 'ImapForceICalForCalendarRetrievalOption', 'ImapMessagesRetrievalMimeFormat', 'ImapSuppressReadReceipt',
    'ImapUseProtocolDefaults', 'MacOutlookEnabled', 'MAPIEnabled', 'MapiHttpEnabled', 'Name', 'OneWinNativeOutlookEnabled',
    'OutlookMobileEnabled', 'OWAEnabled', 'OWAforDevicesEnabled', 'OwaMailboxPolicy', 'PopEnabled', 'PopEnableExactRFC822Size',
    'PopForceICalForCalendarRetrievalOption', 'PopMessagesRetrievalMimeFormat', 'PopSuppressReadReceipt', 'PopUseProtocolDefaults',
    'PrimarySmtpAddress', 'ResetAutoBlockedDevices', 'SamAccountName', 'ShowGalAsDefaultView', 'UniversalOutlookEnabled',
  ],
  run: ({ tenant }, parameters) => {
    const recipient = requireOneRecipient(tenant, parameters.Identity as string, isMailbox);
    if (parameters.WhatIf === true || !('SmtpClientAuthenticationDisabled' in parameters)) {
      return { rows: eagerRows([]), warnings: parameters.WhatIf === true ? [] : [notModifiedWarning(recipient.Name)] };
    }
    const value = parameters.SmtpClientAuthenticationDisabled as boolean | null;
    const updated = tenant.updateRecipient(recipient, { SmtpClientAuthenticationDisabled: value });
    return { rows: eagerRows([]), warnings: updated === recipient ? [notModifiedWarning(recipient.Name)] : [] };
  },
};

export const CAS_MAILBOX_CMDLETS: readonly CmdletDefinition[] = [getCasMailbox, getExoCasMailbox, setCasMailbox];
