/**
 * The replication-lag model: reads see the tenant as it was `replicationLagMs` ago, writes land at once.
 *
 * Exchange Online's directory replicates between domain controllers, and a read that follows a write may be answered
 * from a replica that has not seen it yet ("changes can take some time to replicate", Microsoft's cmdlet pages; the
 * module's own -DomainController parameter exists for this). How long the real lag is, and whether a read from the
 * same client session is pinned to the replica it wrote to, is unknown: no public source settles it. The model is the
 * simplest hostile one: every `Get-*` cmdlet reads the state as of N ms ago; every other cmdlet reads and writes the
 * current state (Set-/New-/Remove- resolve identities on the writable copy). N = 0 (the default) turns it off.
 *
 * Before each write within the lag window, the tenant is snapshotted (records are immutable, so a snapshot costs one
 * array copy per record list). A read at time t sees the snapshot taken before the first write later than t - N.
 */
import { Tenant } from './tenant-store';

interface Entry {
  /** When the write that followed this snapshot arrived. */
  readonly at: number;
  readonly before: Tenant;
}

export function isReadCmdlet(cmdlet: string): boolean {
  return /^get-/i.test(cmdlet);
}

export class ReplicationLag {
  private readonly history = new Map<string, Entry[]>();
  private readonly lastSnapshot = new Map<string, { revision: number; tenant: Tenant }>();

  /** The tenant `cmdlet` should run against, recording a snapshot first when it may write. */
  tenantFor(tenant: Tenant, cmdlet: string, lagMs: number, now = Date.now()): Tenant {
    if (lagMs <= 0) {
      if (this.history.size > 0) this.clear();
      return tenant;
    }
    const entries = this.prune(tenant.tenantId, now - lagMs);
    if (isReadCmdlet(cmdlet)) return entries[0]?.before ?? tenant;
    entries.push({ at: now, before: this.snapshot(tenant) });
    return tenant;
  }

  /** Drops every recorded snapshot: reads see the current state at once (reset, lag set to 0). */
  clear(): void {
    this.history.clear();
    this.lastSnapshot.clear();
  }

  private prune(tenantId: string, horizon: number): Entry[] {
    let entries = this.history.get(tenantId);
    if (!entries) this.history.set(tenantId, (entries = []));
    let drop = 0;
    while (drop < entries.length && entries[drop]!.at <= horizon) drop++;
    if (drop > 0) entries.splice(0, drop);
    return entries;
  }

  private snapshot(tenant: Tenant): Tenant {
    const last = this.lastSnapshot.get(tenant.tenantId);
    if (last && last.revision === tenant.revision) return last.tenant;
    const copy = new Tenant(tenant.toState(), () => undefined);
    this.lastSnapshot.set(tenant.tenantId, { revision: tenant.revision, tenant: copy });
    return copy;
  }
}
