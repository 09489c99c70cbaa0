/**
 * Recipient identity resolution: every -Identity form FIDELITY.md lists, against an index so that 60,000
 * mailboxes resolve as fast as 10.
 *
 * Forms: name, alias, distinguished name, canonical name, domain\user, any email address, GUID (mailbox Guid,
 * ExchangeObjectId or ExternalDirectoryObjectId, with or without braces), LegacyExchangeDN, SamAccountName, UPN.
 * Matching is case-insensitive; stored strings are never altered.
 */
import type { Tenant } from './tenant-store';
import { normalizeGuid, recipientCanonicalName } from './ids';
import { EMULATED_FOREST, RecipientRecord } from './model';

export type RecipientResolution =
  /**
   * The identity was null, empty or whitespace. Exchange's Get- cmdlets then return EVERY object (a documented
   * pitfall); Set- cmdlets reject it. The caller decides, so the pitfall is reproduced deliberately, not by accident.
   */
  | { kind: 'all' }
  | { kind: 'one'; recipient: RecipientRecord }
  | { kind: 'none' }
  /** Exchange refuses to act when an identity matches several objects (ManagementObjectAmbiguousException). */
  | { kind: 'ambiguous'; matches: RecipientRecord[] };

export function resolveRecipient(tenant: Tenant, identity: string | null | undefined): RecipientResolution {
  if (identity === null || identity === undefined || identity.trim() === '') return { kind: 'all' };
  const matches = tenant.recipientIndex().lookup(identity);
  if (matches.length === 0) return { kind: 'none' };
  if (matches.length === 1) return { kind: 'one', recipient: matches[0]! };
  return { kind: 'ambiguous', matches };
}

/** Most keys name one recipient: stored bare, and only collisions pay for an array. */
type Entry = RecipientRecord | RecipientRecord[];

export class RecipientIndex {
  /** Whole-identity keys (lower-cased) → recipients. */
  private readonly byKey = new Map<string, Entry>();
  /** The user part of `domain\user` (SamAccountName, alias or name) → recipients. */
  private readonly byAccount = new Map<string, Entry>();
  /** Accepted `domain` parts of `domain\user`: each accepted domain, its first label, and the forest's first label. */
  private readonly accountDomains: Set<string>;
  private readonly canonicalPrefix: string;

  constructor(initialDomain: string, domains: readonly string[], recipients: Iterable<RecipientRecord>) {
    this.accountDomains = new Set([EMULATED_FOREST.split('.')[0]!.toLowerCase()]);
    for (const domain of domains) {
      this.accountDomains.add(domain.toLowerCase());
      this.accountDomains.add(domain.split('.')[0]!.toLowerCase());
    }
    this.canonicalPrefix = recipientCanonicalName(initialDomain, '').toLowerCase();
    for (const recipient of recipients) this.add(recipient);
  }

  add(recipient: RecipientRecord): void {
    this.forEachKey(recipient, (key) => insert(this.byKey, key, recipient));
    for (const key of [recipient.SamAccountName, recipient.Alias, recipient.Name])
      insert(this.byAccount, key.toLowerCase(), recipient);
  }

  remove(recipient: RecipientRecord): void {
    this.forEachKey(recipient, (key) => pull(this.byKey, key, recipient));
    for (const key of [recipient.SamAccountName, recipient.Alias, recipient.Name])
      pull(this.byAccount, key.toLowerCase(), recipient);
  }

  lookup(identity: string): RecipientRecord[] {
    const guid = normalizeGuid(identity);
    const key = guid ?? identity.toLowerCase();
    const found = new Set(entries(this.byKey.get(key)));
    const slash = identity.indexOf('\\');
    if (slash > 0 && this.accountDomains.has(identity.slice(0, slash).toLowerCase())) {
      for (const r of entries(this.byAccount.get(identity.slice(slash + 1).toLowerCase()))) found.add(r);
    }
    return [...found];
  }

  private forEachKey(recipient: RecipientRecord, visit: (key: string) => void): void {
    for (const id of [recipient.Guid, recipient.ExchangeObjectId, recipient.ExternalDirectoryObjectId])
      visit(id.toLowerCase());
    const name = recipient.Name.toLowerCase();
    for (const text of [
      name,
      recipient.Alias,
      recipient.DistinguishedName,
      recipient.LegacyExchangeDN,
      recipient.SamAccountName,
      recipient.UserPrincipalName,
    ]) {
      visit(text.toLowerCase());
    }
    visit(this.canonicalPrefix + name);
    // Proxy addresses carry a type prefix (SMTP:/smtp:); the address itself is the identity.
    for (const address of recipient.EmailAddresses) visit(address.replace(/^smtp:/i, '').toLowerCase());
  }
}

function entries(entry: Entry | undefined): readonly RecipientRecord[] {
  return entry === undefined ? [] : Array.isArray(entry) ? entry : [entry];
}

/** Adds `recipient` under `key` unless it is already there (one recipient often has the same key twice, e.g. alias = name). */
function insert(map: Map<string, Entry>, key: string, recipient: RecipientRecord): void {
  const entry = map.get(key);
  if (entry === undefined) map.set(key, recipient);
  else if (Array.isArray(entry)) {
    if (!entry.includes(recipient)) entry.push(recipient);
  } else if (entry !== recipient) map.set(key, [entry, recipient]);
}

function pull(map: Map<string, Entry>, key: string, recipient: RecipientRecord): void {
  const entry = map.get(key);
  if (entry === undefined) return;
  if (!Array.isArray(entry)) {
    if (entry === recipient) map.delete(key);
    return;
  }
  const rest = entry.filter((r) => r !== recipient);
  if (rest.length === 0) map.delete(key);
  else map.set(key, rest.length === 1 ? rest[0]! : rest);
}
