/**
 * The emulator's moving parts in one object: tenant store, fault rules, call log, statistics, paging cursors and the
 * latency model. The wire server and the inspection API both work through it, and so can in-process tests
 * (`emulator.control`), without HTTP.
 */
import { Dialect, RateHeaders } from './answer-forms';
import { CallLog, RequestStats } from './call-log';
import { CursorStore } from './cursors';
import { wireErrors } from './wire-errors';
import { FaultInjector, FaultRule } from './faults';
import { ReplicationLag } from './replication-lag';
import { TenantStore } from './tenant-store';
import { Problems, checkKnownKeys, describeValue, isPlainObject } from './problems';

export interface LatencySettings {
  /** Added before answering each InvokeCommand request; a $batch request counts as one call. */
  readonly callMs: number;
  /** Added to the first request on each new TCP connection (TLS + connection setup of the real service). */
  readonly connectMs: number;
  /** The largest page the emulator returns; `Prefer: odata.maxpagesize` can only ask for smaller pages. */
  readonly pageSize: number;
  /** Reads (Get-*) see the tenant as it was this many ms ago; writes land at once. See replication-lag.ts. */
  readonly replicationLagMs: number;
}

export const DEFAULT_LATENCY: LatencySettings = { callMs: 0, connectMs: 0, pageSize: 1000, replicationLagMs: 0 };

/** `base` with the fields of `input` applied, after checking them; throws a 400 WireError listing the problems. */
export function validateLatency(input: unknown, base: LatencySettings): LatencySettings {
  if (!isPlainObject(input))
    throw wireErrors.badInspectionRequest(
      `Expected {"callMs":N,"connectMs":N,"pageSize":N,"replicationLagMs":N} (each optional), got ${describeValue(input)}.`,
    );
  const problems = new Problems();
  checkKnownKeys(input, ['callMs', 'connectMs', 'pageSize', 'replicationLagMs'], '', problems);
  const next: Record<string, number> = { ...base };
  for (const [key, min] of [
    ['callMs', 0],
    ['connectMs', 0],
    ['pageSize', 1],
    ['replicationLagMs', 0],
  ] as const) {
    const value = input[key];
    if (value === undefined) continue;
    if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > 600_000) {
      problems.add(key, `must be a whole number from ${min} to 600000, got ${describeValue(value)}`);
    } else next[key] = value;
  }
  if (!problems.ok) throw wireErrors.badInspectionRequest(`The latency settings are not valid:\n${problems.format()}`);
  return next as unknown as LatencySettings;
}

export interface TenantSummary {
  tenantId: string;
  initialDomain: string;
  domains: readonly string[];
  revision: number;
  mailboxes: number;
  usersWithoutMailbox: number;
  authenticationPolicies: number;
}

export class EmulatorControl {
  readonly faults = new FaultInjector();
  readonly calls = new CallLog();
  readonly stats = new RequestStats();
  readonly cursors: CursorStore;
  /** Counts for the Rate-Limit-* headers of the `rate-headers` dialect. */
  readonly rateHeaders = new RateHeaders();
  readonly replication = new ReplicationLag();
  private latencySettings: LatencySettings;

  constructor(
    readonly store: TenantStore,
    private readonly initialLatency: LatencySettings,
    cursorTtlMs?: number,
    /** The answer dialect chosen at start-up (answer-forms.ts); empty = the default forms. */
    readonly dialect: Dialect = new Set(),
  ) {
    this.latencySettings = initialLatency;
    this.cursors = new CursorStore(cursorTtlMs);
  }

  get latency(): LatencySettings {
    return this.latencySettings;
  }

  /** Partial update from `{callMs?, connectMs?, pageSize?, replicationLagMs?}`; throws a 400 WireError on bad input. */
  updateLatency(input: unknown): LatencySettings {
    this.latencySettings = validateLatency(input, this.latencySettings);
    return this.latencySettings;
  }

  addFault(input: unknown): FaultRule {
    return this.faults.add(input, (key) => this.store.findTenant(key)?.tenantId);
  }

  /**
   * `all` (the default): as if freshly started from the seed — tenant state, call log, statistics, fault rules,
   * cursors and latency. `state`: tenant state (and the cursors that snapshot it) only.
   */
  async reset(scope: 'all' | 'state' = 'all'): Promise<void> {
    this.cursors.clear();
    this.replication.clear();
    if (scope === 'all') {
      this.calls.clear();
      this.stats.clear();
      this.faults.clear();
      this.latencySettings = this.initialLatency;
    }
    await this.store.reset();
  }

  tenantSummaries(): TenantSummary[] {
    return this.store.tenants.map((t) => {
      const mailboxes = t.recipients.filter((r) => r.RecipientTypeDetails !== 'User').length;
      return {
        tenantId: t.tenantId,
        initialDomain: t.initialDomain,
        domains: t.domains,
        revision: t.revision,
        mailboxes,
        usersWithoutMailbox: t.recipients.length - mailboxes,
        authenticationPolicies: t.authenticationPolicies.length,
      };
    });
  }
}
