/** Prefetches: the framework's bookkeeping of reads started at UpgradeResourceState until the type's next call. */
import { Prefetches, type Prefetch } from '../../../src/provider/framework/prefetches';

function fakePrefetch(): Prefetch & { abandoned: number; markSent(): void } {
  let markSent = (): void => undefined;
  const sent = new Promise<void>((resolve) => (markSent = resolve));
  const prefetch = {
    abandoned: 0,
    abandon: () => void prefetch.abandoned++,
    sent,
    markSent: () => markSent(),
  };
  return prefetch;
}

describe('Prefetches', () => {
  it('started() resolves only once the read reports its first request sent', async () => {
    const prefetches = new Prefetches();
    const prefetch = fakePrefetch();
    let resolved = false;
    const started = prefetches.started('exchangeonline_mailbox_smtp_auth_list', prefetch).then(() => (resolved = true));
    for (let turn = 0; turn < 5; turn++) await new Promise<void>((resolve) => setImmediate(resolve));
    expect(resolved).toBe(false);
    prefetch.markSent();
    await started;
    expect(resolved).toBe(true);
    expect(prefetches.pendingTypes).toEqual(['exchangeonline_mailbox_smtp_auth_list']);
  });

  it('a refresh (ReadResource) keeps the reads: they are ordinary reads from then on', () => {
    const prefetches = new Prefetches();
    const prefetch = fakePrefetch();
    void prefetches.started('list', prefetch);
    prefetches.settle('list', true);
    expect(prefetch.abandoned).toBe(0);
    expect(prefetches.pendingTypes).toEqual([]);
    prefetches.settle('list', false); // already settled: nothing left to abandon
    expect(prefetch.abandoned).toBe(0);
  });

  it('any other call for the type abandons every read started for it, once', () => {
    const prefetches = new Prefetches();
    const first = fakePrefetch();
    const second = fakePrefetch();
    void prefetches.started('list', first);
    void prefetches.started('list', second);
    prefetches.settle('list', false);
    prefetches.settle('list', false);
    expect([first.abandoned, second.abandoned]).toEqual([1, 1]);
    expect(prefetches.pendingTypes).toEqual([]);
  });

  it("a call for another type leaves this type's reads alone", () => {
    const prefetches = new Prefetches();
    const prefetch = fakePrefetch();
    void prefetches.started('list', prefetch);
    prefetches.settle('exchangeonline_transport_config', false);
    expect(prefetch.abandoned).toBe(0);
    expect(prefetches.pendingTypes).toEqual(['list']);
  });
});
