/**
 * The mailbox read path end to end: MailboxDirectory → the real REST bridge → real HTTP → the emulator. Reads go
 * through Get-CASMailbox trimmed with `$select`; identities the rows don't carry (user principal names that are not
 * addresses) still resolve through the service, at one call each at most, while everything else costs the bulk read
 * only. The emulator's call log is the witness of what was asked.
 */
import type { CallRecord } from '../../src/emulator/call-log';
import { RestBridge } from '../../src/bridge/rest/rest-bridge';
import { StaticTokenProvider } from '../../src/bridge/rest/token-provider';
import { CAS_MAILBOX_PROPERTIES } from '../../src/exchange/cas-mailbox-operations';
import type { ExchangeBridge } from '../../src/bridge/bridge';
import { identityForms, MailboxDirectory } from '../../src/exchange/mailbox-directory';
import type { ExchangeSession } from '../../src/exchange/session';
import { TestEmulator, TOKEN } from '../emulator/helpers';

const TENANT = 'split.onmicrosoft.com';
const COUNT = 30;
// UPNs on one domain, addresses on another: what many real tenants look like. Get-CASMailbox rows show only the addresses.
const upn = (i: number): string => `u${i}@corp.example`;
const address = (i: number): string => `user.${i}@example.com`;

describe('MailboxDirectory over the REST bridge and the emulator', () => {
  let emu: TestEmulator;
  let bridge: RestBridge;
  let session: ExchangeSession;

  beforeAll(async () => {
    emu = await TestEmulator.start({
      seed: {
        tenants: [
          {
            domain: TENANT,
            domains: ['corp.example', 'example.com'],
            mailboxes: [
              ...Array.from({ length: COUNT }, (_, i) => ({ upn: upn(i + 1), primarySmtpAddress: address(i + 1) })),
              { upn: 'same@example.com', SmtpClientAuthenticationDisabled: true },
            ],
            users: ['nomailbox@corp.example'],
          },
        ],
      },
    });
  });
  afterAll(() => emu.close());

  beforeEach(async () => {
    await emu.emulator.control.reset();
    bridge = new RestBridge({ organization: TENANT, tokenProvider: new StaticTokenProvider(TOKEN), endpoint: emu.url });
    session = { bridge };
  });
  afterEach(() => bridge.close());

  const calls = (): CallRecord[] => emu.emulator.control.calls.list().calls;
  const summary = (): string[] =>
    calls().map((c) => `${c.cmdlet} ${JSON.stringify(c.parameters)}${c.page ? ` page ${c.page}` : ''}`);

  it('asks the service to trim Get-CASMailbox rows with $select, and reads them', async () => {
    const select = [...CAS_MAILBOX_PROPERTIES];
    const { rows } = await bridge.invoke('Get-CASMailbox', { Identity: upn(1) }, { select });
    expect(rows).toHaveLength(1);
    expect(Object.keys(rows[0]!).sort()).toEqual([...select].sort());
    const [mailbox] = (await new MailboxDirectory(bridge).all(session)).filter(
      (m) => m.primarySmtpAddress === address(1),
    );
    expect(mailbox).toMatchObject({
      primarySmtpAddress: address(1),
      emailAddresses: [address(1), `u1@${TENANT}`],
      smtpClientAuthenticationDisabled: null,
    });
    expect(mailbox!.externalDirectoryObjectId).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('hands each page to onRows as it arrives (nothing accumulated) when the caller asks for it', async () => {
    await emu.emulator.control.updateLatency({ pageSize: 7 });
    const pages: number[] = [];
    const result = await bridge.invoke(
      'Get-CASMailbox',
      { ResultSize: 'Unlimited' },
      { select: ['Guid'], onRows: (rows) => pages.push(rows.length) },
    );
    expect(pages).toEqual([7, 7, 7, 7, 3]);
    expect(result.rows).toEqual([]);
  });

  it('reads every mailbox with one paged Get-CASMailbox -ResultSize Unlimited; addresses, names and GUIDs then cost no call', async () => {
    await emu.emulator.control.updateLatency({ pageSize: 7 });
    const directory = new MailboxDirectory(bridge, { bulkThreshold: 2 });
    await directory.prepareFor(session, COUNT);
    expect(summary()).toEqual([
      'Get-CASMailbox {"ResultSize":"Unlimited"}',
      ...[1, 2, 3, 4].map((page) => `Get-CASMailbox {"ResultSize":"Unlimited"} page ${page}`),
    ]);
    const all = await directory.all(session);
    expect(all).toHaveLength(COUNT + 1);
    emu.emulator.control.calls.clear();
    for (const identity of [address(3), address(4).toUpperCase(), 'same@example.com', all[5]!.guid, all[6]!.name]) {
      expect([identity, (await directory.resolve(session, identity)).kind]).toEqual([identity, 'one']);
    }
    expect(calls()).toEqual([]);
  });

  it('resolves a user principal name the rows do not carry through the service, once, and remembers it', async () => {
    const directory = new MailboxDirectory(bridge, { bulkThreshold: 2 });
    await directory.prepareFor(session, COUNT);
    emu.emulator.control.calls.clear();
    const first = await directory.resolve(session, upn(9));
    expect(first).toMatchObject({ kind: 'one', mailbox: { primarySmtpAddress: address(9) } });
    expect(await directory.resolve(session, upn(9).toUpperCase())).toEqual(first);
    expect(summary()).toEqual([`Get-CASMailbox {"Identity":"${upn(9)}"}`]);
    // The snapshot's own copy came back (it carries this process's writes), now also known by its UPN.
    if (first.kind === 'one') expect(identityForms(first.mailbox).has(upn(9))).toBe(true);
    expect(await directory.resolve(session, 'nobody@corp.example')).toEqual({ kind: 'none' });
    expect(await directory.resolve(session, 'nomailbox@corp.example')).toEqual({ kind: 'none' });
  });

  it('past a few such identities reads every UPN with one paged Get-User instead of one call each', async () => {
    const directory = new MailboxDirectory(bridge, { bulkThreshold: 3 });
    await directory.prepareFor(session, COUNT);
    emu.emulator.control.calls.clear();
    const resolved = await Promise.all(Array.from({ length: COUNT }, (_, i) => directory.resolve(session, upn(i + 1))));
    expect(resolved.map((r) => (r.kind === 'one' ? r.mailbox.primarySmtpAddress : r.kind))).toEqual(
      Array.from({ length: COUNT }, (_, i) => address(i + 1)),
    );
    const byCmdlet = emu.emulator.control.calls.list().counts;
    expect(byCmdlet['Get-User']).toBe(1);
    expect(byCmdlet['Get-CASMailbox'] ?? 0).toBeLessThanOrEqual(3);
  });

  it('resolves a UPN with a single lookup before any bulk read, and writes through $batch land in the tenant', async () => {
    const directory = new MailboxDirectory(bridge);
    const found = await directory.resolve(session, upn(2));
    expect(found).toMatchObject({ kind: 'one', mailbox: { primarySmtpAddress: address(2) } });
    if (found.kind === 'one') expect(identityForms(found.mailbox).has(upn(2))).toBe(true);
    expect(
      await directory.setSmtpAuth(session, [
        { identity: upn(2), value: false },
        { identity: address(3), value: true },
      ]),
    ).toEqual([undefined, undefined]);
    const batch = calls().filter((c) => c.via === '$batch');
    expect(batch.map((c) => [c.cmdlet, c.status])).toEqual([
      ['Set-CASMailbox', 200],
      ['Set-CASMailbox', 200],
    ]);
    const state = await emu.inspect('GET', `tenants/${TENANT}`);
    const override = (primary: string): unknown =>
      state.body.recipients.find((r: any) => r.PrimarySmtpAddress === primary).SmtpClientAuthenticationDisabled;
    expect([override(address(2)), override(address(3))]).toEqual([false, true]);
  });
});

/**
 * prefetch(): Terraform upgrades a list's state just before it refreshes it, so the provider starts the bulk read
 * then. The read must serve the caller that comes next as if that caller had started it, and stop (leaving nothing
 * behind) when nobody comes.
 */
describe('MailboxDirectory.prefetch', () => {
  let emu: TestEmulator;
  let bridge: RestBridge;
  const lifetime = new AbortController();

  beforeAll(async () => {
    emu = await TestEmulator.start({
      seed: {
        tenants: [
          {
            domain: TENANT,
            domains: ['example.com'],
            mailboxes: Array.from({ length: COUNT }, (_, i) => ({ upn: address(i + 1) })),
          },
        ],
      },
    });
  });
  afterAll(async () => {
    lifetime.abort();
    await emu.close();
  });
  beforeEach(async () => {
    await emu.emulator.control.reset();
    await emu.emulator.control.updateLatency({ pageSize: 7, callMs: 100 }); // 5 pages, 0.5 s
    bridge = new RestBridge({ organization: TENANT, tokenProvider: new StaticTokenProvider(TOKEN), endpoint: emu.url });
  });
  afterEach(() => bridge.close());

  const pagesRead = (): number[] =>
    emu.emulator.control.calls
      .list()
      .calls.filter((c) => c.cmdlet === 'Get-CASMailbox')
      .map((c) => c.page ?? 0);

  it('serves the caller that comes next: one bulk read, whatever the caller asks', async () => {
    const log: string[] = [];
    const directory = new MailboxDirectory(bridge, { debug: (message) => log.push(message) });
    directory.prefetch(COUNT, lifetime.signal);
    expect(directory.loaded).toBe(true);
    await new Promise((resolve) => setTimeout(resolve, 150)); // the read is under way when the caller comes
    const identities = Array.from({ length: COUNT }, (_, i) => address(i + 1));
    const resolved = await directory.resolveMany({ bridge }, identities);
    expect([...resolved.values()].every((r) => r.kind === 'one')).toBe(true);
    expect(pagesRead()).toEqual([0, 1, 2, 3, 4]);
    expect(log).toEqual([expect.stringMatching(/ahead of the refresh/), expect.stringMatching(/serves it/)]);
  });

  it("reports its first request sent (the REST bridge's signal) while the read is still under way", async () => {
    const directory = new MailboxDirectory(bridge);
    const { sent } = directory.prefetch(COUNT, lifetime.signal)!;
    await sent;
    // The request is on the wire but no page has come back yet (each takes 100 ms): the signal is not the read's end.
    expect(
      emu.emulator.control.calls.list().calls.filter((c) => c.cmdlet === 'Get-CASMailbox').length,
    ).toBeLessThanOrEqual(1);
    const identities = Array.from({ length: COUNT }, (_, i) => address(i + 1));
    const resolved = await directory.resolveMany({ bridge }, identities);
    expect([...resolved.values()].every((r) => r.kind === 'one')).toBe(true);
    expect(pagesRead()).toEqual([0, 1, 2, 3, 4]);
  });

  it('abandoned (no refresh came), stops reading and leaves no snapshot; the next caller reads afresh', async () => {
    const directory = new MailboxDirectory(bridge);
    const { abandon } = directory.prefetch(COUNT, lifetime.signal)!;
    await new Promise((resolve) => setTimeout(resolve, 150));
    abandon();
    expect(directory.loaded).toBe(false);
    await new Promise((resolve) => setTimeout(resolve, 600)); // long enough for the rest of the read, had it gone on
    const pagesBefore = pagesRead();
    expect(pagesBefore.length).toBeLessThanOrEqual(2);
    expect(await directory.all({ bridge })).toHaveLength(COUNT);
    expect(pagesRead()).toEqual([...pagesBefore, 0, 1, 2, 3, 4]);
    abandon(); // a second call is a no-op
    expect(directory.loaded).toBe(true);
  });

  it('stops with the provider (its lifetime signal) when nobody adopted it', async () => {
    const directory = new MailboxDirectory(bridge);
    const stopping = new AbortController();
    directory.prefetch(COUNT, stopping.signal);
    await new Promise((resolve) => setTimeout(resolve, 50));
    stopping.abort();
    await new Promise((resolve) => setTimeout(resolve, 600));
    expect(pagesRead().length).toBeLessThanOrEqual(1);
    expect(directory.prefetch(COUNT, stopping.signal)).toBeUndefined(); // nothing starts after the provider stopped
  });

  it('starts nothing for a few identities, which single lookups resolve', async () => {
    const directory = new MailboxDirectory(bridge);
    expect(directory.prefetch(3, lifetime.signal)).toBeUndefined();
    expect(directory.loaded).toBe(false);
    expect(pagesRead()).toEqual([]);
  });

  it('starts nothing over a bridge whose calls are costly to cancel (PowerShell sessions)', async () => {
    const invoked: string[] = [];
    const powershellLike: ExchangeBridge = {
      organization: TENANT,
      invoke: async (cmdlet) => {
        invoked.push(cmdlet);
        return { rows: [], warnings: [] };
      },
      close: async () => undefined,
    };
    const directory = new MailboxDirectory(powershellLike);
    expect(directory.prefetch(COUNT, lifetime.signal)).toBeUndefined();
    expect(directory.loaded).toBe(false);
    expect(invoked).toEqual([]);
  });

  it('keeps the warnings of a prefetched read for the caller that adopts it', async () => {
    const warnings: string[] = [];
    const fake: ExchangeBridge = {
      organization: TENANT,
      cancelsCheaply: true,
      invoke: async () => ({
        rows: [
          { Guid: '00000000-0000-0000-0000-000000000001', PrimarySmtpAddress: 'a@example.com', EmailAddresses: [] },
        ],
        warnings: ['the service said so'],
      }),
      close: async () => undefined,
    };
    const directory = new MailboxDirectory(fake);
    directory.prefetch(Infinity, lifetime.signal);
    await new Promise((resolve) => setTimeout(resolve, 20)); // finished before anyone asks
    expect(await directory.all({ bridge: fake, warn: (message) => warnings.push(message) })).toHaveLength(1);
    expect(warnings).toEqual(['Get-CASMailbox: the service said so']);
  });
});
