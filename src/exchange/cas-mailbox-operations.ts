/**
 * Per-mailbox SMTP AUTH (Get-CASMailbox / Set-CASMailbox).
 *
 * `SmtpClientAuthenticationDisabled`: true = disabled for this mailbox, false = enabled, null = inherit the
 * organization's value (the default). The mailbox value wins over the org value.
 *
 * Reads use Get-CASMailbox, the cmdlet the service itself serves on InvokeCommand (its cmdlet catalog; CIPP reads
 * SmtpClientAuthenticationDisabled from it). Get-EXOCasMailbox is a client-side cmdlet of the PowerShell module and is
 * not served there. Get-CASMailbox has no -Properties: the rows are trimmed with `$select` instead (CIPP, ExoHelper).
 * Its rows carry neither UserPrincipalName nor Alias; see MailboxDirectory for how such identities still resolve.
 */
import type { JsonValue, Row } from '../bridge/bridge';
import { InvalidInputError, NotFoundError } from '../bridge/errors';
import { booleanOf, property, text } from './row';
import { invoke, type ExchangeSession } from './session';

export type SmtpAuthOverride = boolean | null;

export interface CasMailbox {
  guid: string;
  /** The name Exchange reports as Identity (usually the mailbox name). */
  identity: string;
  name: string;
  primarySmtpAddress: string;
  /** Every SMTP proxy address without its `smtp:` prefix, primary included. */
  emailAddresses: string[];
  externalDirectoryObjectId?: string;
  /**
   * Other identities (a user principal name, an alias, a DN...) that the service resolved to this mailbox in this
   * process. Get-CASMailbox rows don't carry them, so they are learned, lower-cased, as they are looked up.
   */
  resolvedAs?: string[];
  smtpClientAuthenticationDisabled: SmtpAuthOverride;
}

/** The properties read from a Get-CASMailbox row: what `$select` asks for. */
export const CAS_MAILBOX_PROPERTIES = [
  'Guid',
  'Identity',
  'Name',
  'PrimarySmtpAddress',
  'EmailAddresses',
  'ExternalDirectoryObjectId',
  'SmtpClientAuthenticationDisabled',
] as const;

/** Longest identity accepted: generous for distinguished names, small enough to catch pasted garbage. */
export const MAX_IDENTITY_LENGTH = 1024;

/**
 * Identities are data, never text for a shell, but some values can never name a mailbox. Rejecting them here
 * gives a clear message instead of a confusing "not found" (and, for an empty identity, avoids the documented
 * pitfall where Get-CASMailbox with an empty -Identity returns every mailbox). `maxLength` and `what` (the
 * plural the length message names) serve stricter names, such as authentication policy names.
 */
/** Printable ASCII with no space at either end: no problem to look for (the common case, checked 60,000 times for a large list). */
const PLAIN_IDENTITY = /^[!-~](?:[ -~]*[!-~])?$/;

/**
 * Invisible characters that reach identities from files and copied text, and where each comes from. JavaScript's
 * trim() would call some of them white space; Terraform's `trimspace` keeps the byte order mark and zero-width ones.
 */
const INVISIBLE: Readonly<Record<string, string>> = {
  '\ufeff':
    'a byte order mark (U+FEFF): Windows Notepad starts the files it saves as UTF-8 with one, ' +
    '`file()` keeps it and `trimspace` does not remove it',
  '\u200b': 'a zero-width space (U+200B), which text copied from a web page or a chat often carries',
  '\u200c': 'a zero-width non-joiner (U+200C), which text copied from a web page often carries',
  '\u200d': 'a zero-width joiner (U+200D), which text copied from a web page often carries',
  '\u2060': 'a word joiner (U+2060), which text copied from a web page often carries',
  '\u00a0': 'a no-break space (U+00A0), which text copied from a web page, Word or Outlook often carries',
};
const INVISIBLE_CHARACTER = /[\ufeff\u200b-\u200d\u2060\u00a0]/;

/** Names an invisible character of `identity`: which, where, where it comes from, and what reads such files. */
function invisibleProblem(identity: string): string | undefined {
  const found = INVISIBLE_CHARACTER.exec(identity);
  if (!found) return undefined;
  const last = identity.length - 1;
  const at =
    found.index === 0
      ? 'at the start'
      : found.index === last
        ? 'at the end'
        : `after "${identity.slice(0, found.index)}"`;
  return (
    `contains ${INVISIBLE[found[0]]}. Most editors do not show it as such; it is ${at}. ` +
    'Read allow-list files with `provider::exchangeonline::mailbox_list(file("..."))`, which drops a byte order mark ' +
    'and names the line of any other invisible character, instead of `split` and `trimspace`; or delete the character'
  );
}

export function identityProblem(
  identity: string,
  maxLength = MAX_IDENTITY_LENGTH,
  what = 'identities',
): string | undefined {
  if (identity.length <= maxLength && PLAIN_IDENTITY.test(identity)) return undefined;
  const invisible = invisibleProblem(identity);
  if (invisible) return invisible;
  if (identity.trim() === '') return 'is empty';
  if (identity !== identity.trim()) return 'has leading or trailing white space';
  if (/[\u0000-\u001f\u007f]/.test(identity)) return 'contains a control character (such as a newline or tab)';
  if (identity.length > maxLength) return `is ${identity.length} characters long; ${what} are at most ${maxLength}`;
  return undefined;
}

export function assertIdentity(identity: string): void {
  const problem = identityProblem(identity);
  if (problem) {
    throw new InvalidInputError(
      `The mailbox identity ${JSON.stringify(identity.slice(0, 80))}${identity.length > 80 ? '…' : ''} ${problem}.`,
      "Use the mailbox's user principal name, primary SMTP address or GUID.",
    );
  }
}

function override(value: JsonValue | undefined): SmtpAuthOverride {
  if (value === null || value === undefined || value === '') return null;
  const parsed = booleanOf(value);
  if (parsed !== undefined) return parsed;
  throw new Error(
    `SmtpClientAuthenticationDisabled came back as ${JSON.stringify(value)}; expected true, false or null`,
  );
}

export function casMailboxFromRow(row: Row): CasMailbox {
  const guid = text(row, 'Guid') ?? text(row, 'ExchangeObjectId');
  const primary = text(row, 'PrimarySmtpAddress');
  if (!guid || !primary) throw new Error('a CAS mailbox row came back without Guid or PrimarySmtpAddress');
  const emailAddresses = property(row, 'EmailAddresses');
  const addresses = Array.isArray(emailAddresses) ? emailAddresses : [];
  const name = text(row, 'Name') ?? primary;
  const identity = text(row, 'Identity') ?? name;
  return {
    guid: guid.toLowerCase(),
    // Kept for every mailbox of a large tenant: equal strings are stored once.
    identity: identity === name ? name : identity,
    name,
    primarySmtpAddress: primary,
    emailAddresses: addresses
      .filter((address): address is string => typeof address === 'string' && /^smtp:/i.test(address))
      .map((address) =>
        address.length - 5 === primary.length && address.slice(5).toLowerCase() === primary.toLowerCase()
          ? primary
          : address.slice(5),
      ),
    externalDirectoryObjectId: text(row, 'ExternalDirectoryObjectId'),
    smtpClientAuthenticationDisabled: override(property(row, 'SmtpClientAuthenticationDisabled')),
  };
}

/**
 * Every mailbox with its override: one paged bulk read (1000 a page), not one call per mailbox. Each page is
 * converted as it arrives (InvokeOptions.onRows), so the rows of a large tenant are never all held at once. With
 * `each`, every mailbox is handed to it as its page arrives (and the array returned is empty).
 */
export async function listCasMailboxes(
  session: ExchangeSession,
  each?: (mailbox: CasMailbox) => void,
  onSent?: () => void,
): Promise<CasMailbox[]> {
  const mailboxes: CasMailbox[] = [];
  const take = each ?? ((mailbox: CasMailbox) => void mailboxes.push(mailbox));
  const convert = (rows: Row[]): void => {
    for (const row of rows) take(casMailboxFromRow(row));
  };
  const options = { signal: session.signal, select: CAS_MAILBOX_PROPERTIES, onRows: convert, onSent };
  const result = await session.bridge.invoke('Get-CASMailbox', { ResultSize: 'Unlimited' }, options);
  convert(result.rows); // a bridge that does not stream returns them here
  for (const warning of result.warnings) session.warn?.(`Get-CASMailbox: ${warning}`);
  return mailboxes;
}

/**
 * One mailbox by any identity form, resolved by the service (Get-CASMailbox -Identity accepts a user principal name,
 * alias, DN, GUID or address); undefined when it does not exist. Refuses identities that can't be one.
 */
export async function findCasMailbox(session: ExchangeSession, identity: string): Promise<CasMailbox[] | undefined> {
  assertIdentity(identity);
  try {
    const rows = await invoke(session, 'Get-CASMailbox', { Identity: identity }, CAS_MAILBOX_PROPERTIES);
    return rows.map(casMailboxFromRow);
  } catch (error) {
    if (error instanceof NotFoundError) return undefined;
    throw error;
  }
}

export function setSmtpAuthRequest(
  identity: string,
  value: SmtpAuthOverride,
): { cmdlet: string; parameters: Record<string, JsonValue> } {
  return { cmdlet: 'Set-CASMailbox', parameters: { Identity: identity, SmtpClientAuthenticationDisabled: value } };
}

/** How a mailbox's own setting is named in state and filters: false = enabled, true = disabled, null = inherit. */
export const ENABLED = 'enabled';
export const DISABLED = 'disabled';
export const INHERIT = 'inherit';
export const SETTING_WORDS = [ENABLED, DISABLED, INHERIT] as const;
export type SettingWord = (typeof SETTING_WORDS)[number];

export function settingWord(value: SmtpAuthOverride): SettingWord {
  return value === null ? INHERIT : value ? DISABLED : ENABLED;
}

/** Effective SMTP AUTH for a mailbox: its own value if set, else the organization's. */
export function effectiveSmtpAuthEnabled(mailboxValue: SmtpAuthOverride, orgDisabled: boolean): boolean {
  return !(mailboxValue ?? orgDisabled);
}
