/**
 * Get-CASMailbox and Set-CASMailbox: per-mailbox client access settings, including the SMTP AUTH override.
 *
 * Semantics: SmtpClientAuthenticationDisabled is null (inherit the org value), true or false (Microsoft's
 * Set-CASMailbox page; CIPP's SMTP AUTH standard sends null). Without -ResultSize Get-CASMailbox stops at 1000 objects
 * and warns; an empty or null -Identity returns every mailbox (the documented pitfall, reproduced on purpose).
 * Get-CASMailbox returns every match of an ambiguous identity; Set- refuses an ambiguous one. Users without a mailbox
 * are not CAS mailboxes: not found.
 *
 * Parameters are the server's own (catalog-parameters.ts, from the cmdlet catalog extracted from the server-served
 * module, terraprovider/go-exoscc `spec/catalog/EXO-catalog.json`): Get-CASMailbox has 14 and no -Properties/-PropertySets. Get-EXOCasMailbox is not
 * here: it is a client-side cmdlet of the PowerShell module, not served by InvokeCommand (see invoke.ts).
 *
 * Rows carry the CASMailbox object's properties as Microsoft documents them (the Get-EXOCasMailbox property sets in
 * "Property sets in Exchange Online PowerShell module cmdlets" name the same object; the Set-CASMailbox parameters
 * name the settable ones; Identity, DistinguishedName, Guid... are every Exchange object's): about 80 properties and
 * about 3.4 KB of JSON a row, and no UserPrincipalName or Alias, which the object does not have. Callers trim rows with
 * `?$select=` (invoke.ts). Only SmtpClientAuthenticationDisabled is stateful; the rest are plausible fixed values.
 */
import type { JsonValue } from '../../bridge/bridge';
import { wireErrors } from '../wire-errors';
import { EMULATED_FOREST, EMULATED_SERVER, RecipientRecord, isMailbox } from '../model';
import { normalizeGuid } from '../ids';
import { parseEqualityDisjunction } from '../opath';
import { resolveRecipient } from '../recipients';
import type { Tenant } from '../tenant-store';
import { BoundParameters, CmdletDefinition, eagerRows, lazyPropertyRows, type PropertyGetters } from './registry';

export const DEFAULT_RESULT_SIZE = 1000;

export const RESULT_SIZE_DEFAULT_WARNING =
  'By default, only the first 1000 items are returned. Use the ResultSize parameter to specify the number of items returned. ' +
  'To return all items, specify "-ResultSize Unlimited". Be aware that, depending on the actual number of items, returning all ' +
  "items can take a long time and consume a large amount of memory. Also, we don't recommend storing the results in a variable. " +
  'Instead, pipe the results to another task or script to perform batch changes.';

export const RESULT_SIZE_EXCEEDED_WARNING =
  'There are more results available than are currently displayed. To view them, increase the value for the ResultSize parameter.';

/** Applies -ResultSize (default 1000, with Exchange's warnings) to a list of matches. */
export function limitResults<T>(
  matches: readonly T[],
  resultSize: BoundParameters[string] | undefined,
  warnings: string[],
): readonly T[] {
  const limit =
    resultSize === 'Unlimited' ? Infinity : typeof resultSize === 'number' ? resultSize : DEFAULT_RESULT_SIZE;
  if (matches.length <= limit) return matches;
  warnings.push(resultSize === undefined ? RESULT_SIZE_DEFAULT_WARNING : RESULT_SIZE_EXCEEDED_WARNING);
  return matches.slice(0, limit);
}

/** The "no settings have been modified" warning the service attaches to a Set- that changes nothing. */
export function notModifiedWarning(identity: string): string {
  return `The command completed successfully but no settings of '${identity}' have been modified.`;
}

const SERVER_LEGACY_DN = `/o=ExchangeLabs/ou=Exchange Administrative Group (FYDIBOHF23SPDLT)/cn=Configuration/cn=Servers/cn=${EMULATED_SERVER.split('.')[0]}`;

function organizationId(tenant: Tenant): string {
  return `${EMULATED_FOREST}/Microsoft Exchange Hosted Organizations/${tenant.initialDomain} - ${EMULATED_FOREST}/ConfigurationUnits/${tenant.initialDomain}/Configuration`;
}

const on = (): JsonValue => true;
const off = (): JsonValue => false;
const none = (): JsonValue => null;
const empty = (): JsonValue => [];

/** A Get-CASMailbox row, property by property, in the order the object lists them. */
const CAS_MAILBOX_PROPERTIES: PropertyGetters<RecipientRecord> = {
  EmailAddresses: (r) => [...r.EmailAddresses],
  LegacyExchangeDN: (r) => r.LegacyExchangeDN,
  LinkedMasterAccount: none,
  PrimarySmtpAddress: (r) => r.PrimarySmtpAddress,
  SamAccountName: (r) => r.SamAccountName,
  ServerLegacyDN: () => SERVER_LEGACY_DN,
  ServerName: () => EMULATED_SERVER.split('.')[0]!.toLowerCase(),
  DisplayName: (r) => r.DisplayName,
  ActiveSyncAllowedDeviceIDs: empty,
  ActiveSyncBlockedDeviceIDs: empty,
  ActiveSyncMailboxPolicy: () => 'Default',
  ActiveSyncMailboxPolicyIsDefaulted: on,
  ActiveSyncDebugLogging: off,
  ActiveSyncEnabled: on,
  HasActiveSyncDevicePartnership: off,
  ActiveSyncSuppressReadReceipt: off,
  OwaMailboxPolicy: () => 'OwaMailboxPolicy-Default',
  OWAforDevicesEnabled: on,
  OWAEnabled: on,
  ECPEnabled: on,
  PopEnabled: on,
  PopUseProtocolDefaults: on,
  PopMessagesRetrievalMimeFormat: () => 'BestBodyFormat',
  PopEnableExactRFC822Size: off,
  PopSuppressReadReceipt: off,
  PopForceICalForCalendarRetrievalOption: off,
  ImapEnabled: on,
  ImapUseProtocolDefaults: on,
  ImapMessagesRetrievalMimeFormat: () => 'BestBodyFormat',
  ImapEnableExactRFC822Size: off,
  ImapSuppressReadReceipt: off,
  ImapForceICalForCalendarRetrievalOption: off,
  MAPIEnabled: on,
  MapiHttpEnabled: none,
  UniversalOutlookEnabled: on,
  OutlookMobileEnabled: on,
  MacOutlookEnabled: on,
  OneWinNativeOutlookEnabled: on,
  MAPIBlockOutlookNonCachedMode: off,
  MAPIBlockOutlookVersions: none,
  MAPIBlockOutlookRpcHttp: off,
  MAPIBlockOutlookExternalConnectivity: off,
  EwsEnabled: none,
  EwsAllowOutlook: none,
  EwsAllowMacOutlook: none,
  EwsAllowEntourage: none,
  EwsApplicationAccessPolicy: none,
  EwsAllowList: none,
  EwsBlockList: none,
  ShowGalAsDefaultView: on,
  SmtpClientAuthenticationDisabled: (r) => r.SmtpClientAuthenticationDisabled,
  PublicFolderClientAccess: off,
  IsOptimizedForAccessibility: off,
  ExternalImapSettings: () => 'outlook.office365.com:993:SSL',
  ExternalPopSettings: () => 'outlook.office365.com:995:SSL',
  ExternalSmtpSettings: () => 'smtp.office365.com:587:TLS',
  InternalImapSettings: () => 'outlook.office365.com:993:SSL',
  InternalPopSettings: () => 'outlook.office365.com:995:SSL',
  InternalSmtpSettings: () => 'smtp.office365.com:587:TLS',
  ExternalDirectoryObjectId: (r) => r.ExternalDirectoryObjectId,
  AdminDisplayName: () => '',
  ExchangeVersion: () => '0.20 (15.0.0.0)',
  Name: (r) => r.Name,
  DistinguishedName: (r) => r.DistinguishedName,
  Identity: (r) => r.Name,
  ObjectCategory: () => `${EMULATED_FOREST}/Configuration/Schema/Person`,
  ObjectClass: () => ['top', 'person', 'organizationalPerson', 'user'],
  WhenChanged: (r) => r.WhenCreatedUTC,
  WhenCreated: (r) => r.WhenCreatedUTC,
  WhenChangedUTC: (r) => r.WhenCreatedUTC,
  WhenCreatedUTC: (r) => r.WhenCreatedUTC,
  ExchangeObjectId: (r) => r.ExchangeObjectId,
  OrganizationalUnitRoot: (_r, t) => `${t.initialDomain}`,
  OrganizationId: (_r, t) => organizationId(t),
  Id: (r) => r.Name,
  Guid: (r) => r.Guid,
  OriginatingServer: () => EMULATED_SERVER,
  IsValid: on,
  ObjectState: () => 'Unchanged',
};

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

/** The properties Get-CASMailbox -Filter compares here (docs `filter-properties.md` lists both for Get-CASMailbox). */
const CAS_FILTER_PROPERTIES = ['Guid', 'EmailAddresses'] as const;

/**
 * Mailboxes a `-Filter` of `Guid -eq` / `EmailAddresses -eq` comparisons joined by `-or` selects, in the order the
 * comparisons name them; none is an empty answer, not an error. Guid is the object's own GUID (not the Exchange
 * GUID or the Entra object id); an address matches any proxy address, with or without its `smtp:` prefix.
 */
function filteredMailboxes(tenant: Tenant, filter: string, within?: readonly RecipientRecord[]): RecipientRecord[] {
  const selected = new Set<RecipientRecord>();
  const index = tenant.recipientIndex();
  for (const { property, value } of parseEqualityDisjunction(filter, CAS_FILTER_PROPERTIES)) {
    if (property === 'Guid') {
      const guid = normalizeGuid(value);
      if (guid) for (const r of index.lookup(guid)) if (r.Guid.toLowerCase() === guid) selected.add(r);
    } else {
      const address = value.replace(/^smtp:/i, '').toLowerCase();
      for (const r of index.lookup(address)) {
        if (r.EmailAddresses.some((a) => a.replace(/^smtp:/i, '').toLowerCase() === address)) selected.add(r);
      }
    }
  }
  const allowed = within && new Set(within); // with -Identity: only what it names
  return [...selected].filter((r) => isMailbox(r) && (!allowed || allowed.has(r)));
}

/**
 * Of the catalog's 14 Get-CASMailbox parameters, Identity, Filter (see filteredMailboxes) and ResultSize are
 * modelled; the other 11 answer "not modelled".
 */
export const getCasMailbox: CmdletDefinition = {
  name: 'Get-CASMailbox',
  parameters: {
    Identity: { type: 'String', nullable: true },
    Filter: { type: 'String' },
    ResultSize: { type: 'Unlimited' },
  },
  run: ({ tenant }, parameters) => {
    const warnings: string[] = [];
    const identity = parameters.Identity as string | null | undefined;
    const filter = parameters.Filter as string | undefined;
    let found: readonly RecipientRecord[];
    if (filter === undefined) found = mailboxesFor(tenant, identity);
    else if (identity === undefined) found = filteredMailboxes(tenant, filter);
    else found = filteredMailboxes(tenant, filter, mailboxesFor(tenant, identity));
    const matches = limitResults(found, parameters.ResultSize, warnings);
    return { rows: lazyPropertyRows(matches, CAS_MAILBOX_PROPERTIES, tenant), warnings };
  },
};

// ---------------------------------------------------------------------------------------------------------------
// Set-CASMailbox

/** For Set- cmdlets: exactly one recipient, or the error Exchange gives (not found / ambiguous). */
export function requireOneRecipient(
  tenant: Tenant,
  identity: string,
  accept: (r: RecipientRecord) => boolean,
): RecipientRecord {
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
  },
  shouldProcess: true,
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

export const CAS_MAILBOX_CMDLETS: readonly CmdletDefinition[] = [getCasMailbox, setCasMailbox];
