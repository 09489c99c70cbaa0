/**
 * Recipient identity resolution: every -Identity form EXCHANGE-FACTS.md lists, against an index so that 60,000
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

export class RecipientIndex {
  /** Whole-identity keys (lower-cased) → recipients. */
  private readonly byKey = new Map<string, RecipientRecord[]>();
  /** The user part of `domain\user` (SamAccountName, alias or name) → recipients. */
  private readonly byAccount = new Map<string, RecipientRecord[]>();
  /** Accepted `domain` parts of `domain\user`: each accepted domain, its first label, and the forest's first label. */
  private readonly accountDomains: Set<string>;

  constructor(private readonly initialDomain: string, domains: readonly string[], recipients: Iterable<RecipientRecord>) {
    this.accountDomains = new Set([EMULATED_FOREST.split('.')[0]!.toLowerCase()]);
    for (const domain of domains) {
      this.accountDomains.add(domain.toLowerCase());
      this.accountDomains.add(domain.split('.')[0]!.toLowerCase());
    }
    for (const recipient of recipients) this.add(recipient);
  }

  add(recipient: RecipientRecord): void {
    for (const key of this.keysOf(recipient)) push(this.byKey, key, recipient);
    for (const key of new Set([recipient.SamAccountName, recipient.Alias, recipient.Name].map((k) => k.toLowerCase()))) {
      push(this.byAccount, key, recipient);
    }
  }

  remove(recipient: RecipientRecord): void {
    for (const key of this.keysOf(recipient)) pull(this.byKey, key, recipient);
    for (const key of [recipient.SamAccountName, recipient.Alias, recipient.Name]) pull(this.byAccount, key.toLowerCase(), recipient);
  }

  lookup(identity: string): RecipientRecord[] {
    const guid = normalizeGuid(identity);
    const key = guid ?? identity.toLowerCase();
    const found = new Set(this.byKey.get(key) ?? []);
    const slash = identity.indexOf('\\');
    if (slash > 0 && this.accountDomains.has(identity.slice(0, slash).toLowerCase())) {
      for (const r of this.byAccount.get(identity.slice(slash + 1).toLowerCase()) ?? []) found.add(r);
    }
    return [...found];
  }

  private keysOf(recipient: RecipientRecord): Set<string> {
    const keys = new Set<string>();
    for (const id of [recipient.Guid, recipient.ExchangeObjectId, recipient.ExternalDirectoryObjectId]) keys.add(id.toLowerCase());
    for (const text of [
      recipient.Name, recipient.Alias, recipient.DistinguishedName, recipient.LegacyExchangeDN, recipient.SamAccountName,
      recipient.UserPrincipalName, recipientCanonicalName(this.initialDomain, recipient.Name),
    ]) keys.add(text.toLowerCase());
    // Proxy addresses carry a type prefix (SMTP:/smtp:); the address itself is the identity.
    for (const address of recipient.EmailAddresses) keys.add(address.replace(/^smtp:/i, '').toLowerCase());
    return keys;
  }
}

function push(map: Map<string, RecipientRecord[]>, key: string, recipient: RecipientRecord): void {
  const list = map.get(key);
  if (list) list.push(recipient);
  else map.set(key, [recipient]);
}

function pull(map: Map<string, RecipientRecord[]>, key: string, recipient: RecipientRecord): void {
  const list = map.get(key);
  if (!list) return;
  const rest = list.filter((r) => r !== recipient);
  if (rest.length) map.set(key, rest);
  else map.delete(key);
}
