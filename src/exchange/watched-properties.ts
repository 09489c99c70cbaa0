/**
 * Watching for Microsoft's December 2026 switch: Microsoft has not said which setting turns Basic SMTP AUTH off
 * (../../docs/guides/december-2026.md). If it is a new property, the service starts returning a name exoform has never
 * seen on a row it already reads. This module names every such property whose name concerns SMTP, Basic or legacy
 * authentication, or OAuth, so `exoform doctor`, `exoform report` and the readiness data source can say: "this is
 * new, and the verdicts may not yet account for it".
 *
 * KNOWN_PROPERTIES is the one list of the properties exoform knows on those rows: the ones it models (they decide a
 * verdict or a resource) and the ones it has looked at and set aside (they exist today and do not bear on Basic SMTP
 * AUTH). Anything else with a watched name is reported.
 */
import type { JsonValue, Row } from '../bridge/bridge';

/** The rows exoform reads whole (no `$select`) and watches; mailbox and user bulk reads are trimmed with `$select`. */
export type WatchedCmdlet =
  | 'Get-TransportConfig'
  | 'Get-OrganizationConfig'
  | 'Get-AuthenticationPolicy'
  | 'Get-CASMailbox'
  | 'Get-User';

export interface KnownProperty {
  cmdlet: WatchedCmdlet;
  name: string;
  /** modelled: exoform reads it (verdicts, resources); set-aside: exists today, does not bear on Basic SMTP AUTH. */
  use: 'modelled' | 'set-aside';
  why: string;
}

const OTHER_PROTOCOL_SWITCHES = [
  'ActiveSync',
  'Autodiscover',
  'Imap',
  'Mapi',
  'OfflineAddressBook',
  'OutlookService',
  'Pop',
  'Powershell',
  'ReportingWebServices',
  'Rpc',
  'WebServices',
] as const;
const ON_PREMISES_SWITCHES = [
  'ActiveSync',
  'Autodiscover',
  'Imap',
  'Mapi',
  'OfflineAddressBook',
  'Pop',
  'Rpc',
  'WebServices',
] as const;

/** Sources: Microsoft's cmdlet reference (EXCHANGE-FACTS.md) and the properties the emulator's rows carry. */
export const KNOWN_PROPERTIES: readonly KnownProperty[] = [
  {
    cmdlet: 'Get-TransportConfig',
    name: 'SmtpClientAuthenticationDisabled',
    use: 'modelled',
    why: 'org-wide SMTP AUTH',
  },
  { cmdlet: 'Get-TransportConfig', name: 'AllowLegacyTLSClients', use: 'modelled', why: 'legacy TLS endpoint' },
  {
    cmdlet: 'Get-OrganizationConfig',
    name: 'DefaultAuthenticationPolicy',
    use: 'modelled',
    why: 'org default authentication policy',
  },
  {
    cmdlet: 'Get-OrganizationConfig',
    name: 'OAuth2ClientProfileEnabled',
    use: 'set-aside',
    why: 'modern auth for Outlook clients, not SMTP AUTH',
  },
  {
    cmdlet: 'Get-OrganizationConfig',
    name: 'SmtpActionableMessagesEnabled',
    use: 'set-aside',
    why: 'actionable messages in mail',
  },
  { cmdlet: 'Get-AuthenticationPolicy', name: 'AllowBasicAuthSmtp', use: 'modelled', why: 'Basic SMTP AUTH switch' },
  ...OTHER_PROTOCOL_SWITCHES.map((p) => ({
    cmdlet: 'Get-AuthenticationPolicy' as const,
    name: `AllowBasicAuth${p}`,
    use: 'modelled' as const,
    why: 'other protocols',
  })),
  ...ON_PREMISES_SWITCHES.flatMap((p) => [`BlockLegacyAuth${p}`, `BlockModernAuth${p}`]).map((name) => ({
    cmdlet: 'Get-AuthenticationPolicy' as const,
    name,
    use: 'set-aside' as const,
    why: 'Exchange Server (on-premises) only',
  })),
  {
    cmdlet: 'Get-CASMailbox',
    name: 'SmtpClientAuthenticationDisabled',
    use: 'modelled',
    why: "the mailbox's own SMTP AUTH",
  },
  { cmdlet: 'Get-CASMailbox', name: 'PrimarySmtpAddress', use: 'modelled', why: 'identity' },
  { cmdlet: 'Get-CASMailbox', name: 'ExternalSmtpSettings', use: 'set-aside', why: 'client settings shown to users' },
  { cmdlet: 'Get-CASMailbox', name: 'InternalSmtpSettings', use: 'set-aside', why: 'client settings shown to users' },
  { cmdlet: 'Get-User', name: 'AuthenticationPolicy', use: 'modelled', why: "the user's own authentication policy" },
];

/** Names that concern SMTP, Basic or legacy authentication, or OAuth (modern authentication included). */
export const WATCHED_NAME = /smtp|oauth|basic|legacy.?auth|modern.?auth/i;

export interface UnknownProperty {
  cmdlet: string;
  property: string;
  /** The object it was seen on (the transport config, a policy's name, a mailbox's address). */
  seenOn: string;
  /** The value when it is a Boolean, number, null or a one-word setting; otherwise what kind of value it is. */
  value: string;
  note: string;
}

const known = new Map<string, Set<string>>();
for (const entry of KNOWN_PROPERTIES) {
  const names = known.get(entry.cmdlet) ?? new Set<string>();
  names.add(entry.name.toLowerCase());
  known.set(entry.cmdlet, names);
}

export const UNKNOWN_PROPERTY_NOTE = 'exoform does not model it: the verdicts may not yet account for it';

/** Enough of a value to act on, never a long text (which could carry anything): one-word settings pass. */
function shownValue(value: JsonValue | undefined): string {
  if (value === null || value === undefined) return 'null';
  if (typeof value === 'boolean' || typeof value === 'number') return String(value);
  if (typeof value === 'string')
    return /^[A-Za-z][A-Za-z0-9]{0,31}$/.test(value) ? value : `a text of ${value.length} characters`;
  return Array.isArray(value) ? `a list of ${value.length}` : 'an object';
}

/** The watched properties on `row` that exoform does not know, for the object named `seenOn`. */
export function unknownProperties(cmdlet: string, row: Row, seenOn: string): UnknownProperty[] {
  const names = known.get(cmdlet) ?? new Set<string>();
  const found: UnknownProperty[] = [];
  for (const [property, value] of Object.entries(row)) {
    if (property.startsWith('@') || !WATCHED_NAME.test(property) || names.has(property.toLowerCase())) continue;
    found.push({ cmdlet, property, seenOn, value: shownValue(value), note: UNKNOWN_PROPERTY_NOTE });
  }
  return found;
}

/** What a row is called in a message: its Identity or Name, else the cmdlet's single object. */
export function rowName(cmdlet: string, row: Row): string {
  for (const key of ['Identity', 'Name', 'PrimarySmtpAddress', 'UserPrincipalName']) {
    const value = row[key];
    if (typeof value === 'string' && value !== '') return value;
  }
  return cmdlet.replace(/^Get-/, '');
}

/** Every unknown watched property on rows of `cmdlet`: one entry per name (where it was seen first, how often). */
export function scanRows(cmdlet: string, rows: readonly Row[]): UnknownProperty[] {
  const byName = new Map<string, UnknownProperty & { count: number }>();
  for (const row of rows) {
    for (const found of unknownProperties(cmdlet, row, rowName(cmdlet, row))) {
      const seen = byName.get(found.property.toLowerCase());
      if (seen) seen.count++;
      else byName.set(found.property.toLowerCase(), { ...found, count: 1 });
    }
  }
  return [...byName.values()].map(({ count, ...found }) =>
    count > 1 ? { ...found, seenOn: `${found.seenOn} and ${count - 1} more` } : found,
  );
}

/** One line for a person: "Get-TransportConfig returned X = true (on Transport Settings): exoform does not ...". */
export function describeUnknownProperty(found: UnknownProperty): string {
  return `${found.cmdlet} returned ${found.property} = ${found.value} (on ${found.seenOn}): ${found.note}.`;
}
