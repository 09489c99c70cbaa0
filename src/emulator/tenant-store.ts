/**
 * Tenant state in memory plus its persistence (a snapshot file and an append-only journal), with group commit.
 * The durability contract is described on TenantStore.
 */
import { randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, statSync } from 'node:fs';
import { FileHandle, open, stat, unlink } from 'node:fs/promises';
import { dirname } from 'node:path';
import { DataFileLock, removeStaleTempFiles, syncDirectory, writeFileAtomically } from './atomic-file';
import { JOURNAL_SUFFIX, TenantChanges, encodeGroup, readJournal, replayJournal, truncateJournal } from './journal';
import {
  AuthenticationPolicyRecord,
  BasicAuthSwitch,
  OrganizationConfigState,
  RecipientRecord,
  TenantState,
  TransportConfigState,
  freezeDeep,
} from './model';
import type { JsonValue } from '../bridge/bridge';
import { RecipientIndex } from './recipients';
import { buildTenantsFromFixture } from './seed';
import { SeedRecord, StateDocument, StateFileError, parseStateFile, serializeState } from './state-file';

/** Exchange-style UTC timestamp with seven fractional digits, as Exchange prints WhenChangedUTC. */
export function exchangeTimestamp(date: Date): string {
  return date.toISOString().replace(/\.(\d{3})Z$/, '.$10000Z');
}

export type TransportConfigPatch = Partial<
  Pick<TransportConfigState, 'SmtpClientAuthenticationDisabled' | 'AllowLegacyTLSClients'>
>;
export type OrganizationConfigPatch = Partial<OrganizationConfigState>;
export type RecipientPatch = Partial<
  Pick<
    RecipientRecord,
    | 'SmtpClientAuthenticationDisabled'
    | 'AuthenticationPolicy'
    | 'STSRefreshTokensValidFrom'
    | 'PrimarySmtpAddress'
    | 'EmailAddresses'
    | 'UserPrincipalName'
  >
>;
export type PolicyPatch = Partial<Record<BasicAuthSwitch, boolean>>;

/** The Get- cmdlets whose rows can carry unmodelled properties (Tenant.unmodelledProperties). */
export const UNMODELLED_PROPERTY_CMDLETS = [
  'Get-TransportConfig',
  'Get-OrganizationConfig',
  'Get-AuthenticationPolicy',
] as const;
export type UnmodelledPropertyCmdlet = (typeof UNMODELLED_PROPERTY_CMDLETS)[number];

/** One tenant's live state. Every mutation goes through a method here so that the revision and the writer know. */
export class Tenant {
  readonly tenantId: string;
  readonly initialDomain: string;
  readonly domains: readonly string[];
  private revisionValue: number;
  private transport: TransportConfigState;
  private organization: OrganizationConfigState;
  private readonly recipientList: RecipientRecord[];
  private readonly policyList: AuthenticationPolicyRecord[];
  private index: RecipientIndex | undefined;
  private positions: Map<RecipientRecord, number> | undefined;
  /** What changed since the last journal write; undefined when nothing is persisted (in-memory store). */
  private pending: PendingChanges | undefined;
  /**
   * Properties the emulator does not model, added to the rows of a Get- cmdlet (the inspection API's
   * unmodelled-properties route): how a test feeds a property the real service might start returning. Kept in memory
   * only, never in the state file.
   */
  unmodelledProperties: Readonly<Partial<Record<UnmodelledPropertyCmdlet, Readonly<Record<string, JsonValue>>>>> = {};

  constructor(
    state: TenantState,
    private readonly onChange: () => void,
    trackChanges = false,
  ) {
    this.tenantId = state.tenantId;
    this.initialDomain = state.initialDomain;
    this.domains = state.domains;
    this.revisionValue = state.revision;
    this.transport = state.transportConfig;
    this.organization = state.organizationConfig;
    this.recipientList = [...state.recipients];
    this.policyList = [...state.authenticationPolicies];
    if (trackChanges) this.pending = emptyPending();
  }

  get revision(): number {
    return this.revisionValue;
  }
  get transportConfig(): TransportConfigState {
    return this.transport;
  }
  get organizationConfig(): OrganizationConfigState {
    return this.organization;
  }
  /** In directory order. Records are frozen; a copy of this array is a consistent snapshot. */
  get recipients(): readonly RecipientRecord[] {
    return this.recipientList;
  }
  /** In creation order. Records are frozen. */
  get authenticationPolicies(): readonly AuthenticationPolicyRecord[] {
    return this.policyList;
  }

  /**
   * Built on first use, or at start-up by a store of at most EAGER_INDEX_RECIPIENTS recipients (building it for
   * 60,000 mailboxes takes about a second, which should not land on the first request).
   */
  recipientIndex(): RecipientIndex {
    this.index ??= new RecipientIndex(this.initialDomain, this.domains, this.recipientList);
    return this.index;
  }

  /** Applies the patch; returns false (and writes nothing) when every value was already as requested. */
  setTransportConfig(patch: TransportConfigPatch, now: Date): boolean {
    const next = { ...this.transport, ...definedOnly(patch) };
    if (sameValues(this.transport, next)) return false;
    this.transport = freezeDeep({ ...next, WhenChangedUTC: exchangeTimestamp(now) });
    if (this.pending) this.pending.transport = true;
    this.changed();
    return true;
  }

  setOrganizationConfig(patch: OrganizationConfigPatch): boolean {
    const next = { ...this.organization, ...definedOnly(patch) };
    if (sameValues(this.organization, next)) return false;
    this.organization = freezeDeep(next);
    if (this.pending) this.pending.organization = true;
    this.changed();
    return true;
  }

  /** Replaces the record (records are immutable) and returns the new one; the same one when nothing changed. */
  updateRecipient(recipient: RecipientRecord, patch: RecipientPatch): RecipientRecord {
    const position = this.positionOf(recipient);
    const next = freezeDeep({ ...recipient, ...definedOnly(patch) });
    if (sameValues(recipient, next)) return recipient;
    this.recipientList[position] = next;
    this.positions!.delete(recipient);
    this.positions!.set(next, position);
    if (this.index) {
      this.index.remove(recipient);
      this.index.add(next);
    }
    this.pending?.recipients.set(next.Guid.toLowerCase(), next);
    this.changed();
    return next;
  }

  /** Adds a recipient at the end of the directory. The caller has checked that UPN, alias and name are free. */
  addRecipient(record: RecipientRecord): RecipientRecord {
    const frozen = freezeDeep(record);
    this.recipientList.push(frozen);
    this.positions?.set(frozen, this.recipientList.length - 1);
    this.index?.add(frozen);
    this.pending?.recipients.set(frozen.Guid.toLowerCase(), frozen);
    this.changed();
    return frozen;
  }

  removeRecipient(recipient: RecipientRecord): void {
    const position = this.positionOf(recipient);
    this.recipientList.splice(position, 1);
    this.positions = undefined; // positions after the removed one moved; rebuilt on next use
    this.index?.remove(recipient);
    this.pending?.recipients.set(recipient.Guid.toLowerCase(), null);
    this.changed();
  }

  addPolicy(record: AuthenticationPolicyRecord): AuthenticationPolicyRecord {
    const frozen = freezeDeep(record);
    this.policyList.push(frozen);
    this.pending?.policies.set(frozen.Guid.toLowerCase(), frozen);
    this.changed();
    return frozen;
  }

  /** Sets switches; returns the new record, or the same one when nothing changed. */
  updatePolicy(policy: AuthenticationPolicyRecord, patch: PolicyPatch, now: Date): AuthenticationPolicyRecord {
    const position = this.policyList.indexOf(policy);
    if (position < 0)
      throw new Error(
        `Authentication policy ${policy.Name} is not (or no longer) part of tenant ${this.initialDomain}.`,
      );
    const next = { ...policy, ...definedOnly(patch) };
    if (sameValues(policy, next)) return policy;
    const frozen = freezeDeep({ ...next, WhenChangedUTC: exchangeTimestamp(now) });
    this.policyList[position] = frozen;
    this.pending?.policies.set(frozen.Guid.toLowerCase(), frozen);
    this.changed();
    return frozen;
  }

  /**
   * Deletes a policy. References to it (user assignments, the org default) are cleared, as Active Directory drops
   * links to a deleted object. Returns what was cleared.
   */
  removePolicy(policy: AuthenticationPolicyRecord): { clearedAssignments: number; clearedDefault: boolean } {
    const position = this.policyList.indexOf(policy);
    if (position < 0)
      throw new Error(
        `Authentication policy ${policy.Name} is not (or no longer) part of tenant ${this.initialDomain}.`,
      );
    const name = policy.Name.toLowerCase();
    let clearedAssignments = 0;
    for (const recipient of [...this.recipientList]) {
      if (recipient.AuthenticationPolicy?.toLowerCase() === name) {
        this.updateRecipient(recipient, { AuthenticationPolicy: null });
        clearedAssignments++;
      }
    }
    const clearedDefault =
      this.organization.DefaultAuthenticationPolicy?.toLowerCase() === name &&
      this.setOrganizationConfig({ DefaultAuthenticationPolicy: null });
    this.policyList.splice(position, 1);
    this.pending?.policies.set(policy.Guid.toLowerCase(), null);
    this.changed();
    return { clearedAssignments, clearedDefault };
  }

  /** The changes since the last call, for the journal; undefined when there are none. Clears them. */
  takeChanges(): TenantChanges | undefined {
    const p = this.pending;
    if (!p || (!p.transport && !p.organization && p.recipients.size === 0 && p.policies.size === 0)) return undefined;
    const changes: TenantChanges = { revision: this.revisionValue };
    if (p.transport) changes.transportConfig = this.transport;
    if (p.organization) changes.organizationConfig = this.organization;
    for (const [guid, record] of p.recipients) {
      if (record) (changes.recipients ??= []).push(record);
      else (changes.removedRecipients ??= []).push(guid);
    }
    for (const [guid, record] of p.policies) {
      if (record) (changes.authenticationPolicies ??= []).push(record);
      else (changes.removedAuthenticationPolicies ??= []).push(guid);
    }
    this.pending = emptyPending();
    return changes;
  }

  /** Forgets pending changes: a snapshot of the whole state is about to cover them. */
  discardChanges(): void {
    if (this.pending) this.pending = emptyPending();
  }

  toState(): TenantState {
    return {
      tenantId: this.tenantId,
      initialDomain: this.initialDomain,
      domains: this.domains,
      revision: this.revisionValue,
      transportConfig: this.transport,
      organizationConfig: this.organization,
      authenticationPolicies: this.policyList,
      recipients: this.recipientList,
    };
  }

  private positionOf(recipient: RecipientRecord): number {
    this.positions ??= new Map(this.recipientList.map((r, i) => [r, i]));
    const position = this.positions.get(recipient);
    if (position === undefined)
      throw new Error(
        `Recipient ${recipient.UserPrincipalName} is not (or no longer) part of tenant ${this.initialDomain}.`,
      );
    return position;
  }

  private changed(): void {
    this.revisionValue++;
    this.onChange();
  }
}

interface PendingChanges {
  transport: boolean;
  organization: boolean;
  /** By lower-case Guid; null = removed. */
  recipients: Map<string, RecipientRecord | null>;
  policies: Map<string, AuthenticationPolicyRecord | null>;
}

function emptyPending(): PendingChanges {
  return { transport: false, organization: false, recipients: new Map(), policies: new Map() };
}

function definedOnly<T extends object>(patch: T): Partial<T> {
  return Object.fromEntries(Object.entries(patch).filter(([, v]) => v !== undefined)) as Partial<T>;
}

function sameValues(a: object, b: object): boolean {
  const left = a as Record<string, unknown>;
  return Object.entries(b).every(([k, v]) => left[k] === v);
}

export interface TenantStoreOptions {
  /** The state file; without one, state lives in memory only. Its journal is `<dataFile>.journal`. */
  dataFile?: string;
  /**
   * Loads the seed; called only when the data file does not exist yet (or is empty), so a fixture that an existing
   * data file makes irrelevant is not even read.
   */
  loadSeed: () => SeedRecord;
  /** How the caller named the seed, for the "seed ignored" notice; undefined when it was not chosen explicitly. */
  explicitSeed?: string;
  /** Human-readable progress lines (the CLI prints them on stderr). */
  log?: (line: string) => void;
  /**
   * The journal is folded into a new snapshot once it is larger than this many bytes. By default: 16 MiB or the size
   * of the snapshot, whichever is larger (so a huge tenant is not rewritten every few thousand changes). Given
   * explicitly, exactly this limit (tests use a small one to compact often).
   */
  journalCompactBytes?: number;
}

export const DEFAULT_JOURNAL_COMPACT_BYTES = 16 * 1024 * 1024;

/** Counters for /_emulator/stats. */
export interface PersistenceStats {
  /** Group commits that reached the disk (journal appends + snapshots). */
  stateWrites: number;
  journalAppends: number;
  snapshots: number;
  journalBytes: number;
  snapshotBytes: number;
}

/**
 * All tenants, and their persistence: a snapshot file plus an append-only journal (journal.ts), with group commit.
 *
 * Durability contract: a change is applied in memory at once, and `durable()` resolves when a write containing it
 * (and every earlier change) is on disk. The server awaits `durable()` before answering any call, so an HTTP answer
 * never reflects state that a kill -9 could still lose. Changes arriving while a write is in progress share the next
 * write. A write is normally one journal line with the records that changed (an append and an fdatasync); the whole
 * state is rewritten only for seeding, reset, compaction (journal larger than the snapshot), a clean close, and
 * after a failed write or when the files were changed behind the emulator's back.
 */
/**
 * Up to this many recipients in all, every tenant's identity index is built at start-up. A fleet of 1,000 tenants ×
 * 1,000 mailboxes would hold about 1.5 GB of index, as much again as its records, for tenants that are mostly read
 * in bulk: there each tenant builds its index on its first identity lookup (docs/performance.md).
 */
export const EAGER_INDEX_RECIPIENTS = 100_000;

export class TenantStore {
  private tenantList: Tenant[] = [];
  private byKey = new Map<string, Tenant>();
  private seedRecord: SeedRecord;
  private generation = 0;
  private written = 0;
  private attempting = 0;
  private writing = false;
  private waiters: Array<{ generation: number; resolve: () => void; reject: (error: Error) => void }> = [];
  private readonly journalPath: string | undefined;
  /** Identifies this data file's history; journal lines carry it. */
  private lineage: string = randomUUID();
  /** The last journal seq written (or contained in the snapshot). */
  private seq = 0;
  /** The next write must be a full snapshot (seed, reset, compaction, after a failure, files changed behind our back). */
  private needsSnapshot = false;
  private journal: { handle: FileHandle; ino: number; dev: number } | undefined;
  private snapshotIdentity: { ino: number; dev: number } | undefined;
  private readonly stats: PersistenceStats = {
    stateWrites: 0,
    journalAppends: 0,
    snapshots: 0,
    journalBytes: 0,
    snapshotBytes: 0,
  };
  private readonly compactBytes: number | undefined;
  private readonly log: (line: string) => void;

  private constructor(
    private readonly dataFile: string | undefined,
    seed: SeedRecord,
    options: TenantStoreOptions,
    private readonly lock?: DataFileLock,
  ) {
    this.seedRecord = seed;
    this.journalPath = dataFile === undefined ? undefined : `${dataFile}${JOURNAL_SUFFIX}`;
    this.compactBytes = options.journalCompactBytes;
    this.log = options.log ?? (() => undefined);
  }

  /** Loads the data file (snapshot + journal) if it has content, else builds the tenants from the seed and writes them. */
  static async open(options: TenantStoreOptions): Promise<TenantStore> {
    const log = options.log ?? (() => undefined);
    const { dataFile } = options;
    if (!dataFile) {
      const seed = options.loadSeed();
      const store = new TenantStore(undefined, seed, options);
      store.install(buildTenantsFromFixture(seed.fixture, seed.source));
      log(`state: in memory only (no data file), seeded from ${seed.source}`);
      return store;
    }
    // `--data .exoform/state.json` in a fresh checkout should just work.
    mkdirSync(dirname(dataFile), { recursive: true });
    const lock = DataFileLock.acquire(dataFile);
    const journalPath = `${dataFile}${JOURNAL_SUFFIX}`;
    try {
      removeStaleTempFiles(dataFile);
      const text = existsSync(dataFile) ? readFileSync(dataFile, 'utf8') : '';
      // An empty file (e.g. made by mktemp) holds no data worth protecting: treat it like a missing one.
      if (text.trim() !== '') {
        const document = parseStateFile(text, dataFile);
        const journal = readJournal(journalPath, dataFile);
        const replayed = replayJournal(
          document.tenants,
          journal.groups,
          { lineage: document.lineage, journalSeq: document.journalSeq ?? 0 },
          journalPath,
          dataFile,
        );
        const store = new TenantStore(dataFile, document.seed, options, lock);
        store.install(replayed.tenants);
        store.seq = replayed.lastSeq;
        if (document.lineage === undefined)
          store.needsSnapshot = true; // a version 1 file: upgraded by the first write
        else store.lineage = document.lineage;
        if (journal.tornBytes > 0) {
          truncateJournal(journalPath, journal.validBytes);
          log(
            `state: dropped an incomplete last journal entry (${journal.tornBytes} bytes) left by an interrupted write; it had not been acknowledged`,
          );
        }
        const snapshotStat = statSync(dataFile);
        store.snapshotIdentity = { ino: snapshotStat.ino, dev: snapshotStat.dev };
        store.stats.snapshotBytes = snapshotStat.size;
        if (existsSync(journalPath)) {
          const handle = await open(journalPath, 'a');
          const journalStat = await handle.stat();
          store.journal = { handle, ino: journalStat.ino, dev: journalStat.dev };
          store.stats.journalBytes = journalStat.size;
        }
        const replayedCount = replayed.lastSeq - (document.journalSeq ?? 0);
        log(
          `state: resumed ${document.tenants.length} tenant(s) from ${dataFile}${replayedCount > 0 ? ` and ${replayedCount} journal entr${replayedCount === 1 ? 'y' : 'ies'}` : ''}`,
        );
        if (options.explicitSeed !== undefined) {
          log(
            `state: seed ${options.explicitSeed} ignored because ${dataFile} already exists; delete that file to reseed`,
          );
        }
        return store;
      }
      if (existsSync(journalPath)) {
        // A journal without its state file cannot be replayed onto a fresh seed; keep it for the user, out of the way.
        const aside = `${journalPath}.orphaned-${Date.now()}`;
        renameSync(journalPath, aside);
        log(`state: ${journalPath} had no state file to belong to; moved it to ${aside}`);
      }
      const seed = options.loadSeed();
      const store = new TenantStore(dataFile, seed, options, lock);
      store.install(buildTenantsFromFixture(seed.fixture, seed.source));
      store.needsSnapshot = true;
      store.markChanged();
      await store.durable();
      log(`state: seeded ${store.tenantList.length} tenant(s) from ${seed.source} into ${dataFile}`);
      return store;
    } catch (error) {
      lock.release();
      throw error;
    }
  }

  /** State writes so far (journal appends + snapshots); with group commit this grows slower than the number of changes under load. */
  get writeCount(): number {
    return this.stats.stateWrites;
  }

  get persistenceStats(): PersistenceStats {
    return { ...this.stats };
  }

  get seed(): SeedRecord {
    return this.seedRecord;
  }

  get tenants(): readonly Tenant[] {
    return this.tenantList;
  }

  /** By any accepted domain or the tenant id, case-insensitively. */
  findTenant(key: string): Tenant | undefined {
    return this.byKey.get(key.toLowerCase());
  }

  /** Back to the seed the state was first built from. */
  async reset(): Promise<void> {
    this.install(buildTenantsFromFixture(this.seedRecord.fixture, this.seedRecord.source));
    this.needsSnapshot = true;
    this.markChanged();
    await this.durable();
  }

  snapshot(): StateDocument {
    return {
      seed: this.seedRecord,
      tenants: this.tenantList.map((t) => t.toState()),
      lineage: this.lineage,
      journalSeq: this.seq,
    };
  }

  /** Resolves once every change made so far is on disk; rejects if that write failed. */
  durable(): Promise<void> {
    if (!this.dataFile || this.written >= this.generation) return Promise.resolve();
    const generation = this.generation;
    return new Promise((resolve, reject) => {
      this.waiters.push({ generation, resolve, reject });
      this.startWriter();
    });
  }

  /**
   * Waits for pending writes, folds the journal into a fresh snapshot (so a cleanly stopped emulator leaves one
   * self-contained state file), and releases the data file.
   */
  async close(): Promise<void> {
    try {
      await this.durable();
      if (this.dataFile && (this.journal || this.stats.journalBytes > 0)) {
        this.needsSnapshot = true;
        this.markChanged();
        await this.durable().catch((error: Error) =>
          this.log(
            `state: could not compact the journal on close (${error.message}); it is kept and replayed on the next start`,
          ),
        );
      }
    } finally {
      await this.journal?.handle.close().catch(() => undefined);
      this.journal = undefined;
      this.lock?.release();
    }
  }

  private install(states: readonly TenantState[]): void {
    this.tenantList = states.map((s) => new Tenant(s, () => this.markChanged(), this.dataFile !== undefined));
    const recipients = this.tenantList.reduce((sum, tenant) => sum + tenant.recipients.length, 0);
    if (recipients <= EAGER_INDEX_RECIPIENTS) for (const tenant of this.tenantList) tenant.recipientIndex();
    this.byKey = new Map();
    for (const tenant of this.tenantList) {
      this.byKey.set(tenant.tenantId.toLowerCase(), tenant);
      for (const domain of tenant.domains) this.byKey.set(domain.toLowerCase(), tenant);
    }
  }

  private markChanged(): void {
    this.generation++;
    if (this.dataFile) this.startWriter();
  }

  private startWriter(): void {
    if (this.writing) return;
    this.writing = true;
    // Start on the next turn of the event loop so that changes made in the same turn share one write.
    setImmediate(() => void this.writeLoop());
  }

  private async writeLoop(): Promise<void> {
    try {
      while (this.written < this.generation) {
        let generation: number;
        try {
          generation = await this.persist();
        } catch (error) {
          // Whatever was drained for this write is not on disk: only a full snapshot can bring it back.
          this.needsSnapshot = true;
          await this.journal?.handle.close().catch(() => undefined);
          this.journal = undefined;
          const failure = new StateFileError(
            this.dataFile!,
            `Could not save emulator state to ${this.dataFile} (${(error as Error).message}), so the request is answered with an ` +
              'error: the change is not on disk (it is kept in memory and saved with the next successful write). ' +
              'Check that the directory exists, free disk space and permissions.',
          );
          this.settle(this.attempting, failure);
          return;
        }
        this.written = Math.max(this.written, generation);
        this.settle(generation);
      }
    } finally {
      this.writing = false;
      // Waiters left over after a failed write asked after it started: give them a fresh attempt.
      if (this.waiters.some((w) => w.generation > this.written)) this.startWriter();
    }
  }

  /** One group commit. Returns the generation it made durable. */
  private async persist(): Promise<number> {
    if (!this.needsSnapshot && !(await this.filesIntact())) {
      this.log(
        `state: ${this.dataFile} or its journal was changed or removed by something else; writing a complete new state file`,
      );
      this.needsSnapshot = true;
    }
    const limit = this.compactBytes ?? Math.max(DEFAULT_JOURNAL_COMPACT_BYTES, this.stats.snapshotBytes);
    if (this.stats.journalBytes >= limit) this.needsSnapshot = true;
    // From here to the first await, nothing else runs: what is taken below is exactly the state of `generation`.
    const generation = this.generation;
    this.attempting = generation;
    if (this.needsSnapshot) {
      for (const tenant of this.tenantList) tenant.discardChanges();
      await this.writeSnapshot(serializeState(this.snapshot(), new Date()));
      return generation;
    }
    const tenants: Record<string, TenantChanges> = {};
    let any = false;
    for (const tenant of this.tenantList) {
      const changes = tenant.takeChanges();
      if (changes) {
        tenants[tenant.tenantId] = changes;
        any = true;
      }
    }
    if (!any) return generation;
    // The seq is taken even if the append fails, so the snapshot that repairs the failure skips a half-written line.
    this.seq++;
    await this.append(
      encodeGroup({ lineage: this.lineage, seq: this.seq, savedAt: new Date().toISOString(), tenants }),
    );
    return generation;
  }

  private async writeSnapshot(text: string): Promise<void> {
    await writeFileAtomically(this.dataFile!, text);
    const written = await stat(this.dataFile!);
    this.snapshotIdentity = { ino: written.ino, dev: written.dev };
    this.stats.snapshotBytes = written.size;
    this.stats.snapshots++;
    this.stats.stateWrites++;
    this.needsSnapshot = false;
    // Everything in the journal is now in the snapshot (journalSeq says so even if the delete below is lost).
    if (this.journal) {
      await this.journal.handle.close().catch(() => undefined);
      this.journal = undefined;
    }
    await unlink(this.journalPath!).catch((error: NodeJS.ErrnoException) => {
      if (error.code !== 'ENOENT') throw error;
    });
    this.stats.journalBytes = 0;
  }

  private async append(line: string): Promise<void> {
    if (!this.journal) {
      const handle = await open(this.journalPath!, 'a');
      try {
        const created = await handle.stat();
        // The new file's directory entry must be durable before anything in it is acknowledged.
        await syncDirectory(dirname(this.journalPath!));
        this.journal = { handle, ino: created.ino, dev: created.dev };
      } catch (error) {
        await handle.close().catch(() => undefined);
        throw error;
      }
    }
    const buffer = Buffer.from(line, 'utf8');
    let offset = 0;
    while (offset < buffer.length) {
      const { bytesWritten } = await this.journal.handle.write(buffer, offset, buffer.length - offset);
      offset += bytesWritten;
    }
    await this.journal.handle.datasync();
    this.stats.journalBytes += buffer.length;
    this.stats.journalAppends++;
    this.stats.stateWrites++;
  }

  /**
   * Whether the state file and the journal on disk are still the ones this process wrote. Someone may have deleted
   * or replaced them (or their directory); appending to an open but unlinked journal would "succeed" and lose data.
   */
  private async filesIntact(): Promise<boolean> {
    try {
      const snapshot = await stat(this.dataFile!);
      if (
        !this.snapshotIdentity ||
        snapshot.ino !== this.snapshotIdentity.ino ||
        snapshot.dev !== this.snapshotIdentity.dev
      )
        return false;
      if (this.journal) {
        const journal = await stat(this.journalPath!);
        if (journal.ino !== this.journal.ino || journal.dev !== this.journal.dev) return false;
      } else if (this.stats.journalBytes > 0) {
        return false;
      }
      return true;
    } catch {
      return false;
    }
  }

  private settle(generation: number, error?: Error): void {
    const done = this.waiters.filter((w) => w.generation <= generation);
    this.waiters = this.waiters.filter((w) => w.generation > generation);
    for (const waiter of done) {
      if (error) waiter.reject(error);
      else waiter.resolve();
    }
  }
}
