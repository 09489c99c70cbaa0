/**
 * What the emulator was asked to do: a bounded call log with exact per-cmdlet counts, and concurrency statistics.
 * Tests assert on these ("the provider made exactly one Set-TransportConfig call", "never more than 3 requests in
 * flight per tenant"). In memory only: they describe this process's traffic, not tenant state.
 */
import type { JsonValue } from '../bridge/bridge';

export interface CallRecord {
  readonly seq: number;
  readonly time: string;
  /** Tenant id, or null when the tenant could not be resolved. */
  readonly tenantId: string | null;
  /** The tenant as the URL named it. */
  readonly tenant: string;
  readonly cmdlet: string | null;
  readonly parameters: Readonly<Record<string, JsonValue>> | null;
  readonly status: number;
  readonly durationMs: number;
  readonly via: 'InvokeCommand' | '$batch';
  /** 0 for the first page, n for the n-th $skiptoken continuation. */
  readonly page: number;
  /** Id of the fault rule that answered this call, if any. */
  readonly fault: string | null;
  /** The error text for failed calls. */
  readonly error: string | null;
}

export type NewCallRecord = Omit<CallRecord, 'seq' | 'time'>;

/** Older entries are dropped beyond this; the per-cmdlet counts stay exact. */
export const CALL_LOG_LIMIT = 10_000;

export class CallLog {
  private entries: CallRecord[] = [];
  private counts = new Map<string, number>();
  private total = 0;
  private seq = 0;

  record(entry: NewCallRecord, now = new Date()): void {
    this.entries.push({ seq: ++this.seq, time: now.toISOString(), ...entry });
    if (this.entries.length > CALL_LOG_LIMIT) this.entries.splice(0, this.entries.length - CALL_LOG_LIMIT);
    const key = entry.cmdlet ?? '(none)';
    this.counts.set(key, (this.counts.get(key) ?? 0) + 1);
    this.total++;
  }

  /** `cmdlet` and `tenantId` filter case-insensitively; `limit` keeps the newest. */
  list(filter: { cmdlet?: string; tenantId?: string; limit?: number } = {}): {
    total: number;
    counts: Record<string, number>;
    calls: CallRecord[];
  } {
    let calls = this.entries;
    if (filter.cmdlet) calls = calls.filter((c) => c.cmdlet?.toLowerCase() === filter.cmdlet!.toLowerCase());
    if (filter.tenantId) calls = calls.filter((c) => c.tenantId === filter.tenantId);
    if (filter.limit !== undefined) calls = calls.slice(-filter.limit);
    return { total: this.total, counts: Object.fromEntries(this.counts), calls };
  }

  clear(): void {
    this.entries = [];
    this.counts.clear();
    this.total = 0;
  }
}

export interface TenantStats {
  calls: number;
  inFlight: number;
  maxInFlight: number;
}

export interface StatsSnapshot {
  totalCalls: number;
  /** HTTP round trips: each page and each `$batch` is one. */
  totalRequests: number;
  inFlight: number;
  maxInFlight: number;
  byStatus: Record<string, number>;
  tenants: Record<string, TenantStats>;
}

export class RequestStats {
  private totalCalls = 0;
  private totalRequests = 0;
  private inFlight = 0;
  private maxInFlight = 0;
  private perTenant = new Map<string, TenantStats>();
  private byStatus = new Map<number, number>();

  /** One HTTP request to the emulated API (InvokeCommand or $batch) started for a tenant. */
  enter(tenantId: string): void {
    this.totalRequests++;
    this.inFlight++;
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
    const t = this.tenant(tenantId);
    t.inFlight++;
    t.maxInFlight = Math.max(t.maxInFlight, t.inFlight);
  }

  exit(tenantId: string): void {
    this.inFlight--;
    this.tenant(tenantId).inFlight--;
  }

  /** One cmdlet call answered (a $batch item counts as a call). */
  countCall(tenantId: string | null, status: number): void {
    this.totalCalls++;
    if (tenantId) this.tenant(tenantId).calls++;
    this.byStatus.set(status, (this.byStatus.get(status) ?? 0) + 1);
  }

  snapshot(): StatsSnapshot {
    return {
      totalCalls: this.totalCalls,
      totalRequests: this.totalRequests,
      inFlight: this.inFlight,
      maxInFlight: this.maxInFlight,
      byStatus: Object.fromEntries(this.byStatus),
      tenants: Object.fromEntries(this.perTenant),
    };
  }

  /** Forgets counters; requests still in flight keep being tracked. */
  clear(): void {
    this.totalCalls = 0;
    this.totalRequests = 0;
    this.maxInFlight = this.inFlight;
    this.byStatus.clear();
    for (const [id, t] of this.perTenant)
      this.perTenant.set(id, { calls: 0, inFlight: t.inFlight, maxInFlight: t.inFlight });
  }

  private tenant(tenantId: string): TenantStats {
    let t = this.perTenant.get(tenantId);
    if (!t) {
      t = { calls: 0, inFlight: 0, maxInFlight: 0 };
      this.perTenant.set(tenantId, t);
    }
    return t;
  }
}
