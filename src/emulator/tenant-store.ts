/**
 * Tenant state in memory plus its persistence to one state file, with group commit.
 *
 * Durability contract: a change is applied in memory at once, and `durable()` resolves when a write containing it
 * (and every earlier change) is on disk. The server awaits `durable()` before answering any call, so an HTTP answer
 * never reflects state that a kill -9 could still lose. Changes arriving while a write is in progress share the next
 * write, so throughput does not depend on how many writes per second the disk can do.
 */
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { DataFileLock, removeStaleTempFiles, writeFileAtomically } from './atomic-file';
import {
  OrganizationConfigState, RecipientRecord, TenantState, TransportConfigState, freezeDeep,
} from './model';
import { RecipientIndex } from './recipients';
import { buildTenantsFromFixture } from './seed';
import { SeedRecord, StateDocument, StateFileError, parseStateFile, serializeState } from './state-file';

/** Exchange-style UTC timestamp with seven fractional digits, as Exchange prints WhenChangedUTC. */
export function exchangeTimestamp(date: Date): string {
  return date.toISOString().replace(/\.(\d{3})Z$/, '.$10000Z');
}

export type TransportConfigPatch = Partial<Pick<TransportConfigState, 'SmtpClientAuthenticationDisabled' | 'AllowLegacyTLSClients'>>;
export type OrganizationConfigPatch = Partial<OrganizationConfigState>;
export type RecipientPatch = Partial<Pick<RecipientRecord, 'SmtpClientAuthenticationDisabled' | 'AuthenticationPolicy' | 'STSRefreshTokensValidFrom'>>;

/** One tenant's live state. Every mutation goes through a method here so that the revision and the writer know. */
export class Tenant {
  readonly tenantId: string;
  readonly initialDomain: string;
  readonly domains: readonly string[];
  private revisionValue: number;
  private transport: TransportConfigState;
  private organization: OrganizationConfigState;
  private readonly recipientList: RecipientRecord[];
  private readonly policies: TenantState['authenticationPolicies'];
  private index: RecipientIndex | undefined;
  private positions: Map<RecipientRecord, number> | undefined;

  constructor(state: TenantState, private readonly onChange: () => void) {
    this.tenantId = state.tenantId;
    this.initialDomain = state.initialDomain;
    this.domains = state.domains;
    this.revisionValue = state.revision;
    this.transport = state.transportConfig;
    this.organization = state.organizationConfig;
    this.recipientList = [...state.recipients];
    this.policies = state.authenticationPolicies;
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
  get authenticationPolicies(): TenantState['authenticationPolicies'] {
    return this.policies;
  }

  /** Built on first use: a tenant nobody resolves identities in never pays for it. */
  recipientIndex(): RecipientIndex {
    this.index ??= new RecipientIndex(this.initialDomain, this.domains, this.recipientList);
    return this.index;
  }

  /** Applies the patch; returns false (and writes nothing) when every value was already as requested. */
  setTransportConfig(patch: TransportConfigPatch, now: Date): boolean {
    const next = { ...this.transport, ...definedOnly(patch) };
    if (sameValues(this.transport, next)) return false;
    this.transport = freezeDeep({ ...next, WhenChangedUTC: exchangeTimestamp(now) });
    this.changed();
    return true;
  }

  setOrganizationConfig(patch: OrganizationConfigPatch): boolean {
    const next = { ...this.organization, ...definedOnly(patch) };
    if (sameValues(this.organization, next)) return false;
    this.organization = freezeDeep(next);
    this.changed();
    return true;
  }

  /** Replaces the record (records are immutable) and returns the new one. */
  updateRecipient(recipient: RecipientRecord, patch: RecipientPatch): RecipientRecord {
    this.positions ??= new Map(this.recipientList.map((r, i) => [r, i]));
    const position = this.positions.get(recipient);
    if (position === undefined) throw new Error(`Recipient ${recipient.UserPrincipalName} is not (or no longer) part of tenant ${this.initialDomain}.`);
    const next = freezeDeep({ ...recipient, ...definedOnly(patch) });
    if (sameValues(recipient, next)) return recipient;
    this.recipientList[position] = next;
    this.positions.delete(recipient);
    this.positions.set(next, position);
    if (this.index) {
      this.index.remove(recipient);
      this.index.add(next);
    }
    this.changed();
    return next;
  }

  toState(): TenantState {
    return {
      tenantId: this.tenantId,
      initialDomain: this.initialDomain,
      domains: this.domains,
      revision: this.revisionValue,
      transportConfig: this.transport,
      organizationConfig: this.organization,
      authenticationPolicies: this.policies,
      recipients: this.recipientList,
    };
  }

  private changed(): void {
    this.revisionValue++;
    this.onChange();
  }
}

function definedOnly<T extends object>(patch: T): Partial<T> {
  return Object.fromEntries(Object.entries(patch).filter(([, v]) => v !== undefined)) as Partial<T>;
}

function sameValues(a: object, b: object): boolean {
  const left = a as Record<string, unknown>;
  return Object.entries(b).every(([k, v]) => left[k] === v);
}

export interface TenantStoreOptions {
  /** The state file; without one, state lives in memory only. */
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
}

export class TenantStore {
  private tenantList: Tenant[] = [];
  private byKey = new Map<string, Tenant>();
  private seedRecord: SeedRecord;
  private generation = 0;
  private written = 0;
  private writes = 0;
  private writing = false;
  private waiters: Array<{ generation: number; resolve: () => void; reject: (error: Error) => void }> = [];

  private constructor(private readonly dataFile: string | undefined, seed: SeedRecord, private readonly lock?: DataFileLock) {
    this.seedRecord = seed;
  }

  /** Loads the data file if it has content, else builds the tenants from the seed (and writes the file at once). */
  static async open(options: TenantStoreOptions): Promise<TenantStore> {
    const log = options.log ?? (() => undefined);
    const { dataFile } = options;
    if (!dataFile) {
      const seed = options.loadSeed();
      const store = new TenantStore(undefined, seed);
      store.install(buildTenantsFromFixture(seed.fixture, seed.source));
      log(`state: in memory only (no data file), seeded from ${seed.source}`);
      return store;
    }
    // `--data .exoform/state.json` in a fresh checkout should just work.
    mkdirSync(dirname(dataFile), { recursive: true });
    const lock = DataFileLock.acquire(dataFile);
    try {
      removeStaleTempFiles(dataFile);
      const text = existsSync(dataFile) ? readFileSync(dataFile, 'utf8') : '';
      // An empty file (e.g. made by mktemp) holds no data worth protecting: treat it like a missing one.
      if (text.trim() !== '') {
        const document = parseStateFile(text, dataFile);
        const store = new TenantStore(dataFile, document.seed, lock);
        store.install(document.tenants);
        log(`state: resumed ${document.tenants.length} tenant(s) from ${dataFile}`);
        if (options.explicitSeed !== undefined) {
          log(`state: seed ${options.explicitSeed} ignored because ${dataFile} already exists; delete that file to reseed`);
        }
        return store;
      }
      const seed = options.loadSeed();
      const store = new TenantStore(dataFile, seed, lock);
      store.install(buildTenantsFromFixture(seed.fixture, seed.source));
      store.markChanged();
      await store.durable();
      log(`state: seeded ${store.tenantList.length} tenant(s) from ${seed.source} into ${dataFile}`);
      return store;
    } catch (error) {
      lock.release();
      throw error;
    }
  }

  /** State-file writes so far; with group commit this grows slower than the number of changes under load. */
  get writeCount(): number {
    return this.writes;
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
    this.markChanged();
    await this.durable();
  }

  snapshot(): StateDocument {
    return { seed: this.seedRecord, tenants: this.tenantList.map((t) => t.toState()) };
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

  async close(): Promise<void> {
    try {
      await this.durable();
    } finally {
      this.lock?.release();
    }
  }

  private install(states: readonly TenantState[]): void {
    this.tenantList = states.map((s) => new Tenant(s, () => this.markChanged()));
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
        const generation = this.generation;
        try {
          await writeFileAtomically(this.dataFile!, serializeState(this.snapshot(), new Date()));
        } catch (error) {
          const failure = new StateFileError(
            this.dataFile!,
            `Could not save emulator state to ${this.dataFile} (${(error as Error).message}), so the request is answered with an ` +
              'error: the change is not on disk (it is kept in memory and saved with the next successful write). ' +
              'Check that the directory exists, free disk space and permissions.',
          );
          this.settle(generation, failure);
          return;
        }
        this.written = generation;
        this.writes++;
        this.settle(generation);
      }
    } finally {
      this.writing = false;
      // Waiters left over after a failed write asked after it started: give them a fresh attempt.
      if (this.waiters.some((w) => w.generation > this.written)) this.startWriter();
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
