/**
 * Confirming many writes without reading the whole tenant: confirmSmtpAuthWrites → the real REST bridge → real HTTP
 * → the emulator, with replication lag (reads see the tenant as it was N ms ago). Past a few changes the confirmation
 * reads only the changed mailboxes, with `Get-CASMailbox -Filter "... -or ..."`, and keeps reading until the lagging
 * reads show every write. The emulator's call log is the witness of what was asked.
 */
import type { CallRecord } from '../../src/emulator/call-log';
import { RestBridge } from '../../src/bridge/rest/rest-bridge';
import { StaticTokenProvider } from '../../src/bridge/rest/token-provider';
import {
  CONFIRM_FILTER_CLAUSES,
  CONFIRM_LOOKUP_LIMIT,
  MailboxDirectory,
  confirmSmtpAuthWrites,
  type SmtpAuthChange,
} from '../../src/exchange/mailbox-directory';
import type { ExchangeSession } from '../../src/exchange/session';
import { TestEmulator, TOKEN } from '../emulator/helpers';

const TENANT = 'split.onmicrosoft.com';
const COUNT = 260;
// UPNs on one domain, addresses on another: the rows (and so an EmailAddresses filter) show only the addresses.
const upn = (i: number): string => `u${i}@corp.example`;
const address = (i: number): string => `user.${i}@example.com`;
const LAG_MS = 600;

describe('confirmSmtpAuthWrites past a few changes: filtered reads of the changed mailboxes only', () => {
  let emu: TestEmulator;
  let bridge: RestBridge;
  let session: ExchangeSession;
  let warnings: string[];

  beforeAll(async () => {
    emu = await TestEmulator.start({
      seed: {
        tenants: [
          {
            domain: TENANT,
            domains: ['corp.example', 'example.com'],
            mailboxes: Array.from({ length: COUNT }, (_, i) => ({
              upn: upn(i + 1),
              primarySmtpAddress: address(i + 1),
            })),
          },
        ],
      },
    });
  });
  afterAll(() => emu.close());

  beforeEach(async () => {
    await emu.emulator.control.reset();
    bridge = new RestBridge({ organization: TENANT, tokenProvider: new StaticTokenProvider(TOKEN), endpoint: emu.url });
    warnings = [];
    session = { bridge, warn: (message) => warnings.push(message) };
  });
  afterEach(async () => {
    await emu.inspect('PATCH', 'latency', { replicationLagMs: 0 });
    await bridge.close();
  });

  const reads = (): CallRecord[] =>
    emu.emulator.control.calls.list().calls.filter((c) => c.cmdlet === 'Get-CASMailbox');
  const filterOf = (call: CallRecord): string | undefined => (call.parameters as { Filter?: string }).Filter;
  const wholeTenantReads = (): CallRecord[] =>
    reads().filter((c) => !filterOf(c) && !(c.parameters as { Identity?: string }).Identity);

  /** Writes the changes, then confirms them under `LAG_MS` of lag; returns how long the confirmation took. */
  async function writeAndConfirm(changes: SmtpAuthChange[]): Promise<number> {
    await emu.inspect('PATCH', 'latency', { replicationLagMs: LAG_MS });
    expect(await new MailboxDirectory(bridge).setSmtpAuth(session, changes)).toEqual(changes.map(() => undefined));
    emu.emulator.control.calls.clear();
    const started = Date.now();
    await confirmSmtpAuthWrites(session, changes);
    return Date.now() - started;
  }

  /** What a lagging read shows now, per change: every write must be visible once the confirmation returns. */
  async function visible(changes: SmtpAuthChange[]): Promise<boolean[]> {
    const results = await bridge.invokeBatch(
      changes.map((c) => ({ cmdlet: 'Get-CASMailbox', parameters: { Identity: c.identity } })),
    );
    return results.map(
      (result, index) =>
        !(result instanceof Error) && result.rows[0]?.SmtpClientAuthenticationDisabled === changes[index]!.value,
    );
  }

  it('250 changes named by address: 3 filters of at most 100 comparisons per round, never the whole tenant, and waits out the lag', async () => {
    const changes = Array.from({ length: 250 }, (_, i) => ({ identity: address(i + 1), value: i % 2 === 0 }));
    const took = await writeAndConfirm(changes);
    expect(took).toBeGreaterThanOrEqual(LAG_MS - 50); // the first reads lag behind the writes: it had to read again
    expect(wholeTenantReads()).toEqual([]);
    const filters = reads().map(filterOf);
    expect(filters.every((filter) => filter !== undefined)).toBe(true);
    expect(filters.length).toBeGreaterThanOrEqual(2 * Math.ceil(250 / CONFIRM_FILTER_CLAUSES)); // at least two rounds
    expect(Math.max(...filters.map((f) => f!.split(' -or ').length))).toBe(CONFIRM_FILTER_CLAUSES);
    expect(filters[0]).toMatch(
      /^EmailAddresses -eq 'user\.1@example\.com' -or EmailAddresses -eq 'user\.2@example\.com'/,
    );
    expect(reads().every((c) => c.via === '$batch')).toBe(true);
    expect(warnings).toEqual([]);
    expect(await visible(changes)).toEqual(changes.map(() => true));
  });

  it('a later round reads only what is still unconfirmed', async () => {
    const early = Array.from({ length: 75 }, (_, i) => ({ identity: address(i + 1), value: true }));
    const late = Array.from({ length: 75 }, (_, i) => ({ identity: address(i + 76), value: true }));
    await emu.inspect('PATCH', 'latency', { replicationLagMs: LAG_MS });
    await new MailboxDirectory(bridge).setSmtpAuth(session, early);
    await new Promise((resolve) => setTimeout(resolve, LAG_MS + 100)); // the early writes are visible by now
    await new MailboxDirectory(bridge).setSmtpAuth(session, late);
    emu.emulator.control.calls.clear();
    await confirmSmtpAuthWrites(session, [...early, ...late]);
    const rounds = reads().map((c) => filterOf(c)!);
    expect(rounds.length).toBeGreaterThanOrEqual(3); // round 1 (two filters for 150) and at least one more
    const firstRound = rounds.slice(0, 2).join(' -or ');
    expect(firstRound.split(' -or ')).toHaveLength(150);
    const laterRounds = rounds.slice(2).join(' -or ');
    for (const change of early) expect(laterRounds).not.toContain(`'${change.identity}'`);
    expect(laterRounds).toContain(`'${late[0]!.identity}'`);
    expect(warnings).toEqual([]);
    expect(await visible([...early, ...late])).toEqual([...early, ...late].map(() => true));
  });

  it('user principal names the rows do not carry: looked up by identity once, then filtered by their mailbox GUID', async () => {
    const byUpn = Array.from({ length: CONFIRM_LOOKUP_LIMIT }, (_, i) => ({ identity: upn(i + 1), value: false }));
    const byAddress = Array.from({ length: 30 }, (_, i) => ({ identity: address(i + 101), value: false }));
    const changes = [...byUpn, ...byAddress];
    await writeAndConfirm(changes);
    expect(wholeTenantReads()).toEqual([]);
    const lookups = reads().filter((c) => (c.parameters as { Identity?: string }).Identity);
    expect(lookups.map((c) => (c.parameters as { Identity: string }).Identity).sort()).toEqual(
      byUpn.map((c) => c.identity).sort(),
    );
    const later = reads().filter(filterOf).slice(1).map(filterOf).join(' -or ');
    expect(later).toMatch(/Guid -eq '[0-9a-f-]{36}'/); // the UPNs' mailboxes, by the GUID their lookup returned
    expect(warnings).toEqual([]);
    expect(await visible(changes)).toEqual(changes.map(() => true));
  });

  it('more identities than a few lookups that no filter can name: one read of every mailbox and UPN, then filters by GUID', async () => {
    const changes = Array.from({ length: CONFIRM_LOOKUP_LIMIT + 5 }, (_, i) => ({ identity: upn(i + 1), value: true }));
    await writeAndConfirm(changes);
    expect(wholeTenantReads()).toHaveLength(1);
    const users = emu.emulator.control.calls.list().calls.filter((c) => c.cmdlet === 'Get-User');
    expect(users.map((c) => c.parameters)).toEqual([{ ResultSize: 'Unlimited' }]);
    // The first round filters by address and finds none of them; after the whole read, later rounds filter by GUID.
    const all = reads();
    const later = all
      .slice(all.indexOf(wholeTenantReads()[0]!) + 1)
      .filter(filterOf)
      .map(filterOf);
    expect(later.length).toBeGreaterThanOrEqual(1); // the lag outlasts that round: the next one filters
    expect(
      later
        .join(' -or ')
        .split(' -or ')
        .every((clause) => /^Guid -eq '[0-9a-f-]{36}'$/.test(clause)),
    ).toBe(true);
    expect(warnings).toEqual([]);
    expect(await visible(changes)).toEqual(changes.map(() => true));
  });

  it('identities with characters a filter would need to escape are never written into one', async () => {
    const odd = [`o'brien@example.com`, 'name with space', 'x@example.com` -or Guid -ne `'];
    const changes = [...odd, ...Array.from({ length: 30 }, (_, i) => address(i + 1))].map((identity) => ({
      identity,
      value: true,
    }));
    await emu.inspect('PATCH', 'latency', { replicationLagMs: 0 });
    // Only the real mailboxes are written; the odd identities are confirmed as "no such mailbox" (not waited for).
    await new MailboxDirectory(bridge).setSmtpAuth(session, changes.slice(odd.length));
    emu.emulator.control.calls.clear();
    await confirmSmtpAuthWrites(session, changes);
    const filters = reads().map(filterOf).filter(Boolean).join(' ');
    for (const identity of odd) expect(filters).not.toContain(identity);
    const lookups = reads()
      .filter((c) => (c.parameters as { Identity?: string }).Identity)
      .map((c) => (c.parameters as { Identity: string }).Identity);
    expect(lookups.sort()).toEqual([...odd].sort()); // sent as a JSON parameter value, never as filter text
  });

  it('a filter the service refuses (400): the confirmation reads every mailbox instead, and still confirms', async () => {
    const changes = Array.from({ length: 40 }, (_, i) => ({ identity: address(i + 1), value: false }));
    emu.emulator.control.addFault({ cmdlet: 'Get-CASMailbox', status: 400, message: 'The filter is too long.' });
    await writeAndConfirm(changes);
    expect(wholeTenantReads().length).toBeGreaterThanOrEqual(1);
    expect(await visible(changes)).toEqual(changes.map(() => true));
  });
});
