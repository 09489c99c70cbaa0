/**
 * The emulator's state model: plain JSON-serialisable records, exactly what the state file holds.
 *
 * Property names follow Exchange (`SmtpClientAuthenticationDisabled`, `DistinguishedName`, ...) so that a record can
 * be compared with real cmdlet output by eye. Records are frozen once built: an update replaces the record instead of
 * mutating it, which keeps paging snapshots consistent and lets the state writer cache each record's JSON line.
 */

/** The twelve Exchange Online switches of an authentication policy (docs; FIDELITY.md), all default false. */
export const BASIC_AUTH_SWITCHES = [
  'AllowBasicAuthActiveSync',
  'AllowBasicAuthAutodiscover',
  'AllowBasicAuthImap',
  'AllowBasicAuthMapi',
  'AllowBasicAuthOfflineAddressBook',
  'AllowBasicAuthOutlookService',
  'AllowBasicAuthPop',
  'AllowBasicAuthPowershell',
  'AllowBasicAuthReportingWebServices',
  'AllowBasicAuthRpc',
  'AllowBasicAuthSmtp',
  'AllowBasicAuthWebServices',
] as const;
export type BasicAuthSwitch = (typeof BASIC_AUTH_SWITCHES)[number];

export interface TransportConfigState {
  /** true = SMTP AUTH disabled org-wide (the default for tenants created after January 2020). */
  readonly SmtpClientAuthenticationDisabled: boolean;
  /** null = never set, which the service treats as disabled. */
  readonly AllowLegacyTLSClients: boolean | null;
  readonly Guid: string;
  readonly WhenChangedUTC: string;
}

export interface OrganizationConfigState {
  /** Name of the org-wide default authentication policy, or null for none. */
  readonly DefaultAuthenticationPolicy: string | null;
}

/** `User` is a directory user without a mailbox (Get-User shows RecipientTypeDetails `User`). */
export type RecipientTypeDetails = 'UserMailbox' | 'SharedMailbox' | 'User';

export interface RecipientRecord {
  /** Mailbox GUID (for a user without mailbox: the user object's GUID). */
  readonly Guid: string;
  readonly ExchangeObjectId: string;
  /** The Entra ID object id. */
  readonly ExternalDirectoryObjectId: string;
  readonly Name: string;
  readonly Alias: string;
  readonly DisplayName: string;
  readonly UserPrincipalName: string;
  /** null for users without a mailbox. */
  readonly PrimarySmtpAddress: string | null;
  /** `SMTP:` marks the primary address, `smtp:` the others (Exchange's proxy address convention). */
  readonly EmailAddresses: readonly string[];
  readonly DistinguishedName: string;
  readonly LegacyExchangeDN: string;
  readonly SamAccountName: string;
  readonly RecipientTypeDetails: RecipientTypeDetails;
  /** Per-mailbox override: null = inherit the org value. Always null for users without a mailbox. */
  readonly SmtpClientAuthenticationDisabled: boolean | null;
  /** Name of the assigned authentication policy (names are immutable in Exchange), or null. */
  readonly AuthenticationPolicy: string | null;
  readonly STSRefreshTokensValidFrom: string;
  readonly WhenCreatedUTC: string;
}

export interface AuthenticationPolicyRecord extends Readonly<Record<BasicAuthSwitch, boolean>> {
  readonly Name: string;
  readonly Guid: string;
  readonly DistinguishedName: string;
  readonly WhenChangedUTC: string;
}

export interface TenantState {
  readonly tenantId: string;
  /** The `x.onmicrosoft.com` domain every tenant has. */
  readonly initialDomain: string;
  /** Every accepted domain, the initial domain first. */
  readonly domains: readonly string[];
  /** Bumped on every change to this tenant, so tests and drift checks can tell whether anything was written. */
  readonly revision: number;
  readonly transportConfig: TransportConfigState;
  readonly organizationConfig: OrganizationConfigState;
  readonly recipients: readonly RecipientRecord[];
  readonly authenticationPolicies: readonly AuthenticationPolicyRecord[];
}

export function isMailbox(recipient: RecipientRecord): boolean {
  return recipient.RecipientTypeDetails !== 'User';
}

/**
 * The directory forest name used in distinguished names and in error messages that name a server. It says EMU so a
 * log line from the emulator is never mistaken for one from a real tenant.
 */
export const EMULATED_FOREST = 'EMUPR01A001.PROD.OUTLOOK.COM';
export const EMULATED_SERVER = `EMUPR01MB0001.${EMULATED_FOREST}`;
export const EMULATED_FOREST_DN = 'DC=EMUPR01A001,DC=PROD,DC=OUTLOOK,DC=COM';

export function freezeDeep<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value as object)) freezeDeep(child);
  }
  return value;
}
