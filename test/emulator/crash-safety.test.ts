/**
 * kill -9 at arbitrary moments must never corrupt the state file, and must never lose a change the emulator had
 * acknowledged. The real CLI runs as a child process; workers hammer it with mutations through both the emulated API
 * (Set-TransportConfig) and the inspection API (recipient overrides) until it is killed mid-flight, 20 times.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { TOKEN, cmdletBody, request, spawnCli, tempDir } from './helpers';

const ROUNDS = 20;
const TRANSPORT_TENANTS = ['crash1.onmicrosoft.com', 'crash2.onmicrosoft.com', 'crash3.onmicrosoft.com', 'crash4.onmicrosoft.com'];
const MAILBOX_TENANT = 'mailboxes.onmicrosoft.com';
const MAILBOXES = 4000;

/** Consecutive states always differ, so every acknowledged Set changes the state and bumps the revision by one. */
const CYCLE: Array<[boolean, boolean | null]> = [[true, null], [true, false], [true, true], [false, null], [false, false], [false, true]];

interface TransportModel {
  /** Value and revision the file must show if nothing after them was acknowledged... */
  value: [boolean, boolean | null];
  revision: number;
  /** ...or, if the one unacknowledged Set in flight at the kill made it to disk, these. */
  inFlight: [boolean, boolean | null] | null;
}

/**
 * Answers take milliseconds. The bound matters for requests caught by the kill: a request sent in the instant the
 * process dies can stay unanswered by the client library (fetch) instead of failing, and then counts as unacknowledged.
 */
const REQUEST_TIMEOUT_MS = 5_000;

const upn = (n: number): string => `user${String(n).padStart(5, '0')}@${MAILBOX_TENANT}`;
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

describe('crash safety (kill -9)', () => {
  const dir = tempDir('exoform-crash-');
  afterAll(() => dir.remove());

  it(`keeps the state file valid and every acknowledged change across ${ROUNDS} kills`, async () => {
    const dataFile = join(dir.path, 'state.json');
    const fixtureFile = join(dir.path, 'fixture.json');
    writeFileSync(fixtureFile, JSON.stringify({
      tenants: [...TRANSPORT_TENANTS.map((domain) => ({ domain })), { domain: MAILBOX_TENANT, generatedMailboxes: MAILBOXES }],
    }));
    const models = new Map<string, TransportModel>(TRANSPORT_TENANTS.map((t) => [t, { value: CYCLE[0]!, revision: 0, inFlight: null }]));
    const ackedMailboxes: number[] = [];
    let nextMailbox = 1;
    let totalAcknowledged = 0;

    for (let round = 0; round < ROUNDS; round++) {
      const cli = await spawnCli(['emulator', '--data', dataFile, '--seed', fixtureFile, '--token', TOKEN]);
      let killed = false;

      const transportWorker = async (tenant: string): Promise<void> => {
        const model = models.get(tenant)!;
        while (!killed) {
          const index = CYCLE.findIndex(([a, b]) => a === model.value[0] && b === model.value[1]);
          const next = CYCLE[(index + 1) % CYCLE.length]!;
          model.inFlight = next;
          try {
            const answer = await request(`${cli.url}/adminapi/beta/${tenant}/InvokeCommand`, {
              body: cmdletBody('Set-TransportConfig', { SmtpClientAuthenticationDisabled: next[0], AllowLegacyTLSClients: next[1] }),
              timeoutMs: REQUEST_TIMEOUT_MS,
            });
            if (answer.status !== 200) throw new Error(`unexpected ${answer.status}: ${JSON.stringify(answer.body)}`);
          } catch (error) {
            if (killed) return; // the answer never arrived: the change may or may not be on disk
            throw new Error(`round ${round}, ${tenant}: ${(error as Error).message}; emulator stderr: ${cli.stderr()}`);
          }
          model.value = next;
          model.revision++;
          model.inFlight = null;
          totalAcknowledged++;
        }
      };
      const mailboxWorker = async (): Promise<void> => {
        while (!killed && nextMailbox <= MAILBOXES) {
          const n = nextMailbox++;
          try {
            const answer = await request(`${cli.url}/_emulator/tenants/${MAILBOX_TENANT}/recipients/${encodeURIComponent(upn(n))}`, {
              method: 'PATCH',
              body: { SmtpClientAuthenticationDisabled: false },
              timeoutMs: REQUEST_TIMEOUT_MS,
            });
            if (answer.status !== 200) throw new Error(`unexpected ${answer.status}: ${JSON.stringify(answer.body)}`);
          } catch (error) {
            if (killed) return;
            throw new Error(`round ${round}, ${upn(n)}: ${(error as Error).message}; emulator stderr: ${cli.stderr()}`);
          }
          ackedMailboxes.push(n);
          totalAcknowledged++;
        }
      };

      const workers = [...TRANSPORT_TENANTS.map(transportWorker), mailboxWorker(), mailboxWorker(), mailboxWorker()];
      // Kill anywhere from immediately to one second in; a few rounds kill at once, while the first writes happen.
      await sleep(round % 5 === 0 ? 0 : Math.floor(Math.random() * 1000));
      killed = true;
      cli.child.kill('SIGKILL');
      const exit = await cli.exited;
      expect(exit.signal).toBe('SIGKILL');
      await Promise.all(workers);

      // The file must parse, and hold every acknowledged change.
      const text = readFileSync(dataFile, 'utf8');
      const state = JSON.parse(text);
      expect(state.format).toBe('exoform-emulator-state');
      const tenants = new Map<string, any>(state.tenants.map((t: any) => [t.initialDomain, t]));
      const mailboxes = new Map<string, any>(tenants.get(MAILBOX_TENANT).recipients.map((r: any) => [r.UserPrincipalName, r]));
      for (const n of ackedMailboxes) expect([upn(n), mailboxes.get(upn(n)).SmtpClientAuthenticationDisabled]).toEqual([upn(n), false]);
      for (const [tenant, model] of models) {
        const onDisk = tenants.get(tenant);
        const value: [boolean, boolean | null] = [onDisk.transportConfig.SmtpClientAuthenticationDisabled, onDisk.transportConfig.AllowLegacyTLSClients];
        if (onDisk.revision === model.revision) {
          expect([tenant, value]).toEqual([tenant, model.value]);
        } else {
          // Only the single unacknowledged Set may have landed on top of what was acknowledged.
          expect([tenant, onDisk.revision]).toEqual([tenant, model.revision + 1]);
          expect([tenant, value]).toEqual([tenant, model.inFlight]);
          model.value = value;
          model.revision = onDisk.revision;
        }
        model.inFlight = null;
      }
    }
    // The hammering must actually have happened for the test to mean anything.
    expect(totalAcknowledged).toBeGreaterThan(ROUNDS * 5);

    // A final start resumes the state file, and a clean stop exits 0.
    const cli = await spawnCli(['emulator', '--data', dataFile, '--token', TOKEN]);
    const answer = await request(`${cli.url}/adminapi/beta/${TRANSPORT_TENANTS[0]}/InvokeCommand`, { body: cmdletBody('Get-TransportConfig') });
    const model = models.get(TRANSPORT_TENANTS[0]!)!;
    expect([answer.body.value[0].SmtpClientAuthenticationDisabled, answer.body.value[0].AllowLegacyTLSClients]).toEqual(model.value);
    cli.child.kill('SIGTERM');
    expect((await cli.exited).code).toBe(0);
  }, 240_000);
});
