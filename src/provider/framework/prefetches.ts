/**
 * Reads a resource starts at UpgradeResourceState (ResourceDefinition.prefetchRead), kept by resource type until
 * that type's next call: a ReadResource uses them (they are then ordinary reads of the resource), any other call
 * (validate, plan, apply, import) abandons them, since Terraform went on without refreshing.
 */

/** A read started ahead of need. */
export interface Prefetch {
  /** Stops the read if no caller has taken it over; a no-op otherwise, and when called again. */
  abandon(): void;
  /** Resolves once the read's first request is on the wire (the bridge says so), or the read has ended. */
  sent: Promise<void>;
}

export class Prefetches {
  private readonly byType = new Map<string, Array<() => void>>();

  /**
   * Keeps `prefetch` for `typeName`'s next call, and resolves once its first request has been sent: the caller then
   * encodes its answer (tens of milliseconds for a large list) while the service works on the read.
   */
  async started(typeName: string, prefetch: Prefetch): Promise<void> {
    this.byType.set(typeName, [...(this.byType.get(typeName) ?? []), prefetch.abandon]);
    await prefetch.sent;
  }

  /** `typeName`'s next call has come: a refresh (ReadResource) keeps the reads going, any other call abandons them. */
  settle(typeName: string, refreshing: boolean): void {
    const abandons = this.byType.get(typeName);
    if (!abandons) return;
    this.byType.delete(typeName);
    if (!refreshing) for (const abandon of abandons) abandon();
  }

  /** Types with reads waiting for their next call (for tests and debugging). */
  get pendingTypes(): string[] {
    return [...this.byType.keys()];
  }
}
