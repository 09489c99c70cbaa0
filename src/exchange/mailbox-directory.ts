/**
 * The tenant's mailboxes as one provider process sees them.
 *
 * Terraform asks about mailboxes one resource at a time (ReadResource, PlanResourceChange...). Answering each
 * with its own Get-CASMailbox call is what makes other tools take days on a 60,000-mailbox tenant. So after a
 * few single lookups the directory reads every mailbox once, in 1000-row pages trimmed with `$select`, and answers
 * everything else from that snapshot. Writes go out in `$batch` requests and update the snapshot, so later reads in
 * the same process see them (the service's own reads may lag behind writes for seconds).
 *
 * Get-CASMailbox rows carry the GUID, name, addresses and Entra object id, but no UserPrincipalName or Alias. An
 * identity the snapshot does not know (a UPN that is not also an address, an alias, a DN...) is resolved by the
 * service: `Get-CASMailbox -Identity`, one call, for the first few; beyond that one paged `Get-User` read maps every
 * user principal name to its mailbox. Either way the answer is remembered, so each identity costs at most one call
 * and every identity the rows already name costs none. A UPN that is also another mailbox's address resolves to
 * that mailbox here (the rows cannot show the clash); the service's Set-CASMailbox would call it ambiguous.
 */
import { invokeEach, type CmdletRequest, type CmdletResult, type ExchangeBridge } from '../bridge/bridge';
import { ExchangeError, InvalidInputError, NotFoundError, isExchangeError } from '../bridge/errors';
import {
  CAS_MAILBOX_PROPERTIES,
  casMailboxFromRow,
  findCasMailbox,
  listCasMailboxes,
  setSmtpAuthRequest,
  type CasMailbox,
  type SmtpAuthOverride,
} from './cas-mailbox-operations';
import { confirmWrite } from './confirm';
import { text } from './row';
import { invoke, type ExchangeSession } from './session';
import { readTransportConfig } from './transport-config-operations';

export type Resolution =
  | { kind: 'one'; mailbox: CasMailbox }
  | { kind: 'none' }
  | { kind: 'ambiguous'; matches: CasMailbox[] };

export interface SmtpAuthChange {
  /** The mailbox's GUID, or any identity form Exchange accepts (Set-CASMailbox resolves it and fails if it is ambiguous). */
  identity: string;
  value: SmtpAuthOverride;
}

export interface DirectoryOptions {
  /** Single lookups allowed before the directory switches to one bulk read (and, for unknown identities, to one Get-User read). */
  bulkThreshold?: number;
  /** Debug messages: when a prefetched read starts and whether it was used. */
  debug?: (message: string) => void;
}

/** The identity forms a mailbox can be named by here, lower-cased (Exchange identities are not case-sensitive). */
export function identityForms(mailbox: CasMailbox): Set<string> {
  return new Set(
    [
      mailbox.guid,
      mailbox.primarySmtpAddress,
      mailbox.identity,
      mailbox.name,
      mailbox.externalDirectoryObjectId,
      ...mailbox.emailAddresses,
      ...(mailbox.resolvedAs ?? []),
    ]
      .filter((key): key is string => Boolean(key))
      .map((key) => key.toLowerCase()),
  );
}

/** Most keys name one mailbox: stored bare, and only a shared key pays for an array (60,000 mailboxes, ~5 keys each). */
type Entry = CasMailbox | CasMailbox[];

class Snapshot {
  private readonly byKey = new Map<string, Entry>();
  readonly byGuid = new Map<string, CasMailbox>();
  /** Whether every user principal name has been read (Get-User) and indexed. */
  upnsIndexed?: Promise<void>;

  readonly mailboxes: CasMailbox[] = [];

  /** Adds a mailbox of the bulk read (called as each page arrives, so indexing overlaps the wait for the next). */
  addMailbox(mailbox: CasMailbox): void {
    this.mailboxes.push(mailbox);
    this.add(mailbox);
  }

  private add(mailbox: CasMailbox): void {
    this.byGuid.set(mailbox.guid, mailbox);
    // identityForms without its Set: this runs 60,000 times on a large tenant. index() ignores a repeated key.
    for (const form of [
      mailbox.guid,
      mailbox.primarySmtpAddress,
      mailbox.identity,
      mailbox.name,
      mailbox.externalDirectoryObjectId,
    ]) {
      if (form) this.index(form.toLowerCase(), mailbox);
    }
    for (const form of mailbox.emailAddresses) this.index(form.toLowerCase(), mailbox);
    for (const form of mailbox.resolvedAs ?? []) this.index(form, mailbox);
  }

  private index(key: string, mailbox: CasMailbox): void {
    const entry = this.byKey.get(key);
    if (entry === undefined) this.byKey.set(key, mailbox);
    else if (Array.isArray(entry)) {
      if (!entry.includes(mailbox)) entry.push(mailbox);
    } else if (entry !== mailbox) this.byKey.set(key, [entry, mailbox]);
  }

  lookup(identity: string): CasMailbox[] {
    const entry = this.find(identity);
    return entry === undefined ? [] : Array.isArray(entry) ? entry : [entry];
  }

  /** The mailbox (or mailboxes) an identity names, without allocating for the common single match. */
  find(identity: string): Entry | undefined {
    return this.byKey.get(identity.toLowerCase());
  }

  /**
   * Records that the service resolved `identity` to `mailbox`; returns the snapshot's copy (it carries this process's
   * writes). A mailbox created after the bulk read joins the snapshot.
   */
  learn(identity: string, mailbox: CasMailbox): CasMailbox {
    const known = this.byGuid.get(mailbox.guid);
    const key = identity.toLowerCase();
    if (!known) {
      mailbox.resolvedAs = [key];
      this.addMailbox(mailbox);
      return mailbox;
    }
    if (!identityForms(known).has(key)) (known.resolvedAs ??= []).push(key);
    this.index(key, known);
    return known;
  }
}

const NONE: Resolution = Object.freeze({ kind: 'none' });

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function resolution(matches: Entry | undefined): Resolution {
  if (matches === undefined) return { kind: 'none' };
  if (!Array.isArray(matches)) return { kind: 'one', mailbox: matches };
  if (matches.length === 0) return { kind: 'none' };
  if (matches.length === 1) return { kind: 'one', mailbox: matches[0]! };
  const distinct = [...new Map(matches.map((m) => [m.guid, m])).values()];
  return distinct.length === 1 ? { kind: 'one', mailbox: distinct[0] } : { kind: 'ambiguous', matches: distinct };
}

export class MailboxDirectory {
  private snapshot?: Promise<Snapshot>;
  private orgDisabled?: Promise<boolean>;
  private singleLookups = 0;
  private readonly bulkThreshold: number;
  private readonly debug?: (message: string) => void;

  constructor(
    private readonly bridge: ExchangeBridge,
    options: DirectoryOptions = {},
  ) {
    this.bulkThreshold = options.bulkThreshold ?? 8;
    this.debug = options.debug;
  }

  /** Whether the bulk read has been made (or started) in this process, so lookups cost no further calls. */
  get loaded(): boolean {
    return this.snapshot !== undefined;
  }

  /** The bulk read started by prefetch() that no caller has needed yet. */
  private speculative?: { controller: AbortController; relay: WarningRelay };

  /**
   * Starts the bulk read that resolving `count` identities will need (see prepareFor; Infinity for every mailbox)
   * before anyone asks for it. Terraform upgrades a list's state just before it refreshes it and
   * spends about a second on its own work in between, which this read overlaps. The first caller that needs the
   * snapshot makes it an ordinary read (and gets its warnings); the returned `abandon` stops it if no caller has by
   * then (Terraform went on to plan or apply without refreshing). `sent` resolves once the read's first request is on
   * the wire (as the bridge reports it), or the read has ended. The read stops with `lifetime` (the provider's).
   * Only over a bridge that cancels cheaply: abandoning a PowerShell read would kill its session. Undefined when
   * nothing was started (few identities, the read made or under way already, or a bridge that cannot cancel cheaply).
   */
  prefetch(count: number, lifetime: AbortSignal): { abandon: () => void; sent: Promise<void> } | undefined {
    if (count <= this.bulkThreshold || this.snapshot || lifetime.aborted || !this.bridge.cancelsCheaply)
      return undefined;
    const controller = new AbortController();
    const stop = (): void => controller.abort();
    lifetime.addEventListener('abort', stop, { once: true });
    const relay = new WarningRelay();
    const speculative = { controller, relay };
    this.speculative = speculative;
    this.debug?.('reading every mailbox ahead of the refresh Terraform is expected to ask for next');
    let reportSent = (): void => undefined;
    const sent = new Promise<void>((resolve) => (reportSent = resolve));
    const snapshot = this.loadSnapshot(
      { bridge: this.bridge, signal: controller.signal, warn: relay.warn },
      reportSent,
    );
    const ended = (): void => {
      lifetime.removeEventListener('abort', stop);
      reportSent();
    };
    snapshot.then(ended, ended);
    const abandon = (): void => {
      if (this.speculative !== speculative) return; // adopted, or already abandoned
      this.speculative = undefined;
      this.snapshot = undefined;
      controller.abort();
      this.debug?.('Terraform went on without refreshing: stopped the bulk read started ahead of it');
    };
    return { abandon, sent };
  }

  /** Every mailbox (one bulk read per process). */
  async all(session: ExchangeSession): Promise<CasMailbox[]> {
    return (await this.loadSnapshot(session)).mailboxes;
  }

  /** About to resolve `count` identities: beyond a few, one bulk read is cheaper than single lookups. */
  async prepareFor(session: ExchangeSession, count: number): Promise<void> {
    if (count > this.bulkThreshold) await this.loadSnapshot(session);
  }

  /**
   * Resolves many identities, in the order given. Beyond a few, one bulk read; every identity the snapshot names is
   * then answered on the spot, and only the others (UPNs the rows don't carry, unknown names) wait for the service.
   * At 60,000 identities this keeps one small result object each instead of 60,000 pending lookups.
   */
  async resolveMany(session: ExchangeSession, identities: readonly string[]): Promise<Map<string, Resolution>> {
    const resolved = new Map<string, Resolution>();
    if (identities.length === 0) return resolved;
    await this.prepareFor(session, identities.length);
    this.adopt(session);
    const snapshot = this.snapshot ? await this.snapshot : undefined;
    const misses: string[] = [];
    for (const identity of identities) {
      const found = snapshot?.find(identity);
      resolved.set(identity, found === undefined ? NONE : resolution(found));
      if (found === undefined) misses.push(identity);
    }
    await Promise.all(misses.map(async (identity) => resolved.set(identity, await this.resolve(session, identity))));
    return resolved;
  }

  /** Finds a mailbox by any identity form. Forms the snapshot doesn't index (UPN, alias, DN...) are asked of the service. */
  async resolve(session: ExchangeSession, identity: string): Promise<Resolution> {
    if (this.snapshot || ++this.singleLookups > this.bulkThreshold) {
      const snapshot = await this.loadSnapshot(session);
      const found = snapshot.find(identity);
      if (found !== undefined) return resolution(found);
      if (++this.snapshotMisses > this.bulkThreshold) {
        // Many identities the rows don't name (a tenant whose UPNs differ from its addresses): read every UPN once.
        await this.indexUserPrincipalNames(session, snapshot);
        const byUpn = snapshot.find(identity);
        if (byUpn !== undefined) return resolution(byUpn);
      }
      const answered = await findCasMailbox(session, identity);
      return resolution(answered?.map((mailbox) => snapshot.learn(identity, mailbox)));
    }
    const found = await findCasMailbox(session, identity);
    for (const mailbox of found ?? []) {
      if (!identityForms(mailbox).has(identity.toLowerCase())) mailbox.resolvedAs = [identity.toLowerCase()];
    }
    return resolution(found?.map((m) => this.current(m)));
  }

  /** Identities the snapshot did not name; past the threshold one Get-User read indexes every user principal name. */
  private snapshotMisses = 0;

  /**
   * One paged `Get-User -ResultSize Unlimited`, trimmed to the user principal name and the GUID: the directory object
   * of a mailbox user is the mailbox's own, so its GUID is the Guid of the Get-CASMailbox row. Users without a mailbox
   * match no row and are skipped.
   */
  private indexUserPrincipalNames(session: ExchangeSession, snapshot: Snapshot): Promise<void> {
    snapshot.upnsIndexed ??= invoke(session, 'Get-User', { ResultSize: 'Unlimited' }, [
      'UserPrincipalName',
      'Guid',
    ]).then((rows) => {
      for (const row of rows) {
        const upn = text(row, 'UserPrincipalName');
        const mailbox = snapshot.byGuid.get(text(row, 'Guid')?.toLowerCase() ?? '');
        if (upn && mailbox) snapshot.learn(upn, mailbox);
      }
    });
    snapshot.upnsIndexed.catch(() => (snapshot.upnsIndexed = undefined)); // a failed read is retried by the next miss
    return snapshot.upnsIndexed;
  }

  /**
   * Records the organization value read or written elsewhere in this process (the transport config resource), so
   * effective values computed later use it instead of an older cached read.
   */
  noteOrgSmtpAuthDisabled(value: boolean): void {
    this.orgDisabled = Promise.resolve(value);
  }

  /** The organization's SmtpClientAuthenticationDisabled, read once per process. */
  orgSmtpAuthDisabled(session: ExchangeSession): Promise<boolean> {
    this.orgDisabled ??= readTransportConfig(session).then((settings) => settings.smtpClientAuthenticationDisabled);
    this.orgDisabled.catch(() => (this.orgDisabled = undefined)); // a failed read is retried by the next caller
    return this.orgDisabled;
  }

  /**
   * Sets each mailbox's override, batched (10 per `$batch` request, the bridge limits concurrency). Returns one
   * entry per change, parallel to `changes`: undefined when applied, else the typed error. Never throws for a
   * single item's failure, so callers can record exactly what was applied.
   */
  async setSmtpAuth(
    session: ExchangeSession,
    changes: readonly SmtpAuthChange[],
  ): Promise<Array<ExchangeError | undefined>> {
    const requests: CmdletRequest[] = changes.map((change) => setSmtpAuthRequest(change.identity, change.value));
    const options = { signal: session.signal };
    const results = this.bridge.invokeBatch
      ? await this.bridge.invokeBatch(requests, options)
      : await invokeEach(this.bridge, requests, options);
    return results.map((result, index) => {
      if (isExchangeError(result)) return result;
      for (const warning of result.warnings ?? []) session.warn?.(`Set-CASMailbox: ${warning}`);
      this.recordWrite(changes[index]);
      return undefined;
    });
  }

  /**
   * Sets one mailbox's override; concurrent single calls in the same tick share a `$batch`, and then one
   * confirmation (confirmSmtpAuthWrites) that the service's reads show what the batch applied.
   */
  setOne(session: ExchangeSession, change: SmtpAuthChange): Promise<void> {
    return this.batcher.add(session, change);
  }

  private readonly batcher = new WriteBatcher(async (session, changes) => {
    const results = await this.setSmtpAuth(session, changes);
    await confirmSmtpAuthWrites(
      session,
      changes.filter((_, index) => !results[index]),
    );
    return results;
  });

  private recordWrite(change: SmtpAuthChange): void {
    // Exchange resolved the identity; mirror that here when the snapshot names exactly one mailbox.
    void this.snapshot?.then((snapshot) => {
      const matches = snapshot.lookup(change.identity);
      if (matches.length !== 1) return;
      matches[0]!.smtpClientAuthenticationDisabled = change.value;
      this.written.set(matches[0]!.guid, change.value);
    });
    if (GUID.test(change.identity)) this.written.set(change.identity.toLowerCase(), change.value);
  }

  /** Values this process wrote, laid over what a single lookup returned. */
  private readonly written = new Map<string, SmtpAuthOverride>();

  private current(mailbox: CasMailbox): CasMailbox {
    return this.written.has(mailbox.guid)
      ? { ...mailbox, smtpClientAuthenticationDisabled: this.written.get(mailbox.guid)! }
      : mailbox;
  }

  /** A caller needs the prefetched read: it is an ordinary read from now on, and its warnings are this caller's. */
  private adopt(session: ExchangeSession): void {
    if (!this.speculative || session.warn === this.speculative.relay.warn) return;
    this.speculative.relay.deliverTo(session.warn);
    this.speculative = undefined;
    this.debug?.('the bulk read started ahead of the refresh serves it');
  }

  /** `onSent`: told when the bulk read's first request is on the wire (only if this call starts the read). */
  private loadSnapshot(session: ExchangeSession, onSent?: () => void): Promise<Snapshot> {
    this.adopt(session);
    if (!this.snapshot) {
      const snapshot = new Snapshot();
      const add = (mailbox: CasMailbox): void => snapshot.addMailbox(this.current(mailbox));
      const loading = listCasMailboxes(session, add, onSent).then(() => snapshot);
      this.snapshot = loading;
      // A failed read is retried by the next caller (unless another read has replaced it, e.g. after an abandoned prefetch).
      loading.catch(() => this.snapshot === loading && (this.snapshot = undefined));
    }
    return this.snapshot;
  }
}

/** Holds a prefetched read's warnings until a caller adopts the read, then passes them (and later ones) on. */
class WarningRelay {
  /** Until the read is adopted. */
  private held: string[] | undefined = [];
  private target?: (message: string) => void;

  readonly warn = (message: string): void => {
    if (this.held) this.held.push(message);
    else this.target?.(message);
  };

  deliverTo(target: ((message: string) => void) | undefined): void {
    for (const message of this.held ?? []) target?.(message);
    this.held = undefined;
    this.target = target;
  }
}

/** Changes up to this many are confirmed with `Get-CASMailbox -Identity` lookups (sent 10 to a `$batch`). */
export const CONFIRM_LOOKUP_LIMIT = 20;

/**
 * Comparisons per `Get-CASMailbox -Filter` of a confirmation read (about 4.5 KB of filter at 45 characters each).
 * The longest filter the service accepts is not documented; a refused one makes the confirmation read every mailbox.
 */
export const CONFIRM_FILTER_CLAUSES = 100;

/**
 * An address that can be written into a filter as it is: no quote, space or backtick, nothing OPATH or PowerShell
 * could read as anything but text. Other identity forms are never put in a filter (see filterClause).
 */
const PLAIN_ADDRESS = /^[A-Za-z0-9._+-]{1,64}@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+$/;

/**
 * The OPATH comparison that selects the mailbox `identity` names, for the identity forms a filter can compare
 * (docs `filter-properties.md`: Guid and EmailAddresses are filterable on Get-CASMailbox); undefined for the rest.
 * Only values matching GUID or PLAIN_ADDRESS are written into the filter, so nothing needs escaping.
 */
function filterClause(identity: string): string | undefined {
  if (GUID.test(identity)) return `Guid -eq '${identity.toLowerCase()}'`;
  if (identity.length <= 254 && PLAIN_ADDRESS.test(identity)) return `EmailAddresses -eq '${identity}'`;
  return undefined;
}

/**
 * Reads until the service shows the applied changes (confirm.ts): the next plan refreshes in a new process, and a
 * lagging read there would show drift that isn't there or hide a change still to make. Each round reads only the
 * changes not yet confirmed:
 * - few changes: `Get-CASMailbox -Identity` each, batched like the writes (10 single-resource writes cost one
 *   `$batch` to write and one per round to confirm);
 * - more: `Get-CASMailbox -Filter` with up to 100 `Guid -eq` / `EmailAddresses -eq` comparisons joined by `-or`,
 *   10 filters to a `$batch` (5,000 changes: 50 filters in 5 requests, instead of 60 pages of a 60,000-mailbox
 *   tenant). A change the filter cannot name or did not find (a UPN that is not an address, a name, an Entra object
 *   id) is looked up by identity, once: its mailbox GUID then names it in later rounds. Should more than a few need
 *   that, the round reads every mailbox and user principal name instead, and learns their GUIDs; should the service
 *   refuse a filter, every round does (slower, never wrong).
 * A mailbox no read finds (or finds twice) is not waited for; a read that fails counts as not yet confirmed (the
 * write itself was acknowledged).
 */
export async function confirmSmtpAuthWrites(
  session: ExchangeSession,
  applied: readonly SmtpAuthChange[],
): Promise<void> {
  if (applied.length === 0) return;
  let pending = [...applied];
  /** The mailbox GUID a change's identity was found to name, so later rounds filter on it. */
  const learned = new Map<SmtpAuthChange, string>();
  let filtersRefused = false;
  await confirmWrite(
    session,
    `Set-CASMailbox (${applied.length} mailbox${applied.length === 1 ? '' : 'es'})`,
    async () => {
      let outcome: RoundOutcome;
      if (pending.length <= CONFIRM_LOOKUP_LIMIT) outcome = await confirmByIdentity(session, pending);
      else if (filtersRefused) outcome = 'read-everything';
      else outcome = await confirmByFilter(session, pending, learned);
      if (outcome === 'refused') filtersRefused = true;
      if (typeof outcome === 'string') outcome = await confirmByReadingEverything(session, pending, learned);
      pending = outcome;
      return pending.length === 0;
    },
  );
}

/**
 * The changes still to confirm after a round; 'refused' when the service refused a filter (read every mailbox from
 * now on); 'read-everything' when this round should read every mailbox (too many changes the rows do not name).
 */
type RoundOutcome = SmtpAuthChange[] | 'refused' | 'read-everything';

/** Whether a read shows `change`: true when it shows the value, or when it finds no single mailbox to wait for. */
function shows(found: readonly CasMailbox[], change: SmtpAuthChange): boolean {
  return found.length !== 1 || found[0]!.smtpClientAuthenticationDisabled === change.value;
}

/** Get-CASMailbox reads, 10 to a `$batch` where the bridge batches, trimmed to the properties the directory reads. */
async function invokeAll(
  session: ExchangeSession,
  requests: CmdletRequest[],
): Promise<Array<CmdletResult | ExchangeError>> {
  const options = { signal: session.signal, select: CAS_MAILBOX_PROPERTIES };
  const bridge = session.bridge;
  return bridge.invokeBatch ? bridge.invokeBatch(requests, options) : invokeEach(bridge, requests, options);
}

const lookupRequest = (change: SmtpAuthChange): CmdletRequest => ({
  cmdlet: 'Get-CASMailbox',
  parameters: { Identity: change.identity },
});

async function confirmByIdentity(
  session: ExchangeSession,
  changes: readonly SmtpAuthChange[],
): Promise<SmtpAuthChange[]> {
  const results = await invokeAll(session, changes.map(lookupRequest));
  return changes.filter((change, index) => {
    const result = results[index]!;
    if (result instanceof NotFoundError) return false;
    if (isExchangeError(result)) return true;
    return !shows(result.rows.map(casMailboxFromRow), change);
  });
}

async function confirmByFilter(
  session: ExchangeSession,
  changes: readonly SmtpAuthChange[],
  learned: Map<SmtpAuthChange, string>,
): Promise<RoundOutcome> {
  const clauses = new Map<SmtpAuthChange, string>();
  const unnamed: SmtpAuthChange[] = [];
  for (const change of changes) {
    const clause = filterClause(learned.get(change) ?? change.identity);
    if (clause) clauses.set(change, clause);
    else unnamed.push(change);
  }
  const distinct = [...new Set(clauses.values())];
  const requests: CmdletRequest[] = [];
  for (let start = 0; start < distinct.length; start += CONFIRM_FILTER_CLAUSES) {
    const filter = distinct.slice(start, start + CONFIRM_FILTER_CLAUSES).join(' -or ');
    requests.push({ cmdlet: 'Get-CASMailbox', parameters: { Filter: filter, ResultSize: 'Unlimited' } });
  }
  const results = await invokeAll(session, requests);
  if (results.some((result) => result instanceof InvalidInputError)) return 'refused';
  // A filter that selects nothing answers an empty list; a not-found answer would say the same.
  const failed = results.some((result) => isExchangeError(result) && !(result instanceof NotFoundError));
  const snapshot = new Snapshot();
  for (const result of results) {
    if (!isExchangeError(result)) for (const row of result.rows) snapshot.addMailbox(casMailboxFromRow(row));
  }
  const left: SmtpAuthChange[] = [];
  for (const [change] of clauses) {
    const found = snapshot.lookup(learned.get(change) ?? change.identity);
    if (found.length === 0 && !failed)
      unnamed.push(change); // a form the rows don't carry: find it by identity
    else if (found.length === 0 || !shows(found, change)) left.push(change);
  }
  if (unnamed.length > CONFIRM_LOOKUP_LIMIT) return 'read-everything';
  if (unnamed.length > 0) {
    const lookups = await invokeAll(session, unnamed.map(lookupRequest));
    unnamed.forEach((change, index) => {
      const result = lookups[index]!;
      if (result instanceof NotFoundError) return;
      if (isExchangeError(result)) return void left.push(change);
      const found = result.rows.map(casMailboxFromRow);
      if (found.length === 1) learned.set(change, found[0]!.guid);
      if (!shows(found, change)) left.push(change);
    });
  }
  return left;
}

/**
 * One paged read of every mailbox, indexed as the directory indexes its own (a cached snapshot would not lag). Changes
 * it does not name (user principal names that are not addresses) cost one paged `Get-User` read of every user
 * principal name, as in MailboxDirectory; each change's mailbox GUID is then remembered, so later rounds filter on it.
 */
async function confirmByReadingEverything(
  session: ExchangeSession,
  changes: readonly SmtpAuthChange[],
  learned: Map<SmtpAuthChange, string>,
): Promise<SmtpAuthChange[]> {
  const snapshot = new Snapshot();
  await listCasMailboxes(session, (mailbox) => snapshot.addMailbox(mailbox));
  const nameOf = (change: SmtpAuthChange): string => learned.get(change) ?? change.identity;
  if (changes.some((change) => snapshot.lookup(nameOf(change)).length === 0)) {
    for (const row of await invoke(session, 'Get-User', { ResultSize: 'Unlimited' }, ['UserPrincipalName', 'Guid'])) {
      const upn = text(row, 'UserPrincipalName');
      const mailbox = snapshot.byGuid.get(text(row, 'Guid')?.toLowerCase() ?? '');
      if (upn && mailbox) snapshot.learn(upn, mailbox);
    }
  }
  return changes.filter((change) => {
    const found = snapshot.lookup(nameOf(change));
    if (found.length === 1) learned.set(change, found[0]!.guid);
    return !shows(found, change);
  });
}

/**
 * Collects single writes issued in the same turn of the event loop (Terraform applies up to 10 resources at
 * once) and sends them together, so 10 mailbox resources cost one `$batch` request instead of 10 calls.
 */
class WriteBatcher {
  private pending: Array<{
    session: ExchangeSession;
    change: SmtpAuthChange;
    resolve: () => void;
    reject: (error: unknown) => void;
  }> = [];

  constructor(
    private readonly flushChanges: (
      session: ExchangeSession,
      changes: SmtpAuthChange[],
    ) => Promise<Array<ExchangeError | undefined>>,
  ) {}

  add(session: ExchangeSession, change: SmtpAuthChange): Promise<void> {
    return new Promise((resolve, reject) => {
      if (this.pending.length === 0) setImmediate(() => void this.flush());
      this.pending.push({ session, change, resolve, reject });
    });
  }

  private async flush(): Promise<void> {
    const items = this.pending;
    this.pending = [];
    // Each item keeps its own session (signal, warnings); the batch runs under the first one's signal.
    try {
      const results = await this.flushChanges(
        items[0].session,
        items.map((item) => item.change),
      );
      items.forEach((item, index) => (results[index] ? item.reject(results[index]) : item.resolve()));
    } catch (error) {
      for (const item of items) item.reject(error);
    }
  }
}
