/**
 * kill -9 at arbitrary moments must never corrupt the state file or its journal, and must never lose a change the
 * emulator had acknowledged. The emulator runs as a child process (the real CLI, or an in-process emulator with a
 * tiny journal limit so that compactions are frequent); workers hammer it with mutations through the emulated API
 * (Set-TransportConfig, $batch Set-CASMailbox) and the inspection API (recipient overrides) until it is killed
 * mid-flight, 20 times per variant.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { readPersistedState } from '../../src/emulator';
import { CliChild, TOKEN, cmdletBody, request, spawnEmulatorChild, spawnPackagedCli, tempDir } from './helpers';

const ROUNDS = 20;
const TRANSPORT_TENANTS = [
  'crash1.onmicrosoft.com',
  'crash2.onmicrosoft.com',
  'crash3.onmicrosoft.com',
  'crash4.onmicrosoft.com',
];
const MAILBOX_TENANT = 'mailboxes.onmicrosoft.com';
const MAILBOXES = 4000;
/** Set-CASMailbox items per $batch request. */
const BATCH = 5;

/** Consecutive states always differ, so every acknowledged Set changes the state and bumps the revision by one. */
const CYCLE: Array<[boolean, boolean | null]> = [
  [true, null],
  [true, false],
  [true, true],
  [false, null],
  [false, false],
  [false, true],
];

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

interface CrashRun {
  /** Starts the emulator for one round. */
  spawnRound(dataFile: string, fixtureFile: string): Promise<CliChild>;
  /** Also sends $batch requests of Set-CASMailbox (true) from the other end of the mailbox range. */
  batches: boolean;
}

/** Hammers the emulator with acknowledged changes and kills it -9 at a random moment, ROUNDS times; checks the disk each time. */
async function crashRounds(dir: string, run: CrashRun): Promise<{ journalRounds: number; compactedRounds: number }> {
  {
    // (one block so the body keeps its indentation from when it was the test itself)
    const dataFile = join(dir, 'state.json');
    const fixtureFile = join(dir, 'fixture.json');
    writeFileSync(
      fixtureFile,
      JSON.stringify({
        tenants: [
          ...TRANSPORT_TENANTS.map((domain) => ({ domain })),
          { domain: MAILBOX_TENANT, generatedMailboxes: MAILBOXES },
        ],
      }),
    );
    const models = new Map<string, TransportModel>(
      TRANSPORT_TENANTS.map((t) => [t, { value: CYCLE[0]!, revision: 0, inFlight: null }]),
    );
    const ackedMailboxes: number[] = [];
    const ackedBatchMailboxes: number[] = [];
    let nextMailbox = 1;
    let nextBatchMailbox = MAILBOXES;
    let totalAcknowledged = 0;
    let journalRounds = 0;
    /** Rounds in which the state file was rewritten by a compaction (its journalSeq moved) before the kill. */
    let compactedRounds = 0;
    let snapshotSeq = 0;

    for (let round = 0; round < ROUNDS; round++) {
      const cli = await run.spawnRound(dataFile, fixtureFile);
      let killed = false;

      const transportWorker = async (tenant: string): Promise<void> => {
        const model = models.get(tenant)!;
        while (!killed) {
          const index = CYCLE.findIndex(([a, b]) => a === model.value[0] && b === model.value[1]);
          const next = CYCLE[(index + 1) % CYCLE.length]!;
          model.inFlight = next;
          try {
            const answer = await request(`${cli.url}/adminapi/beta/${tenant}/InvokeCommand`, {
              body: cmdletBody('Set-TransportConfig', {
                SmtpClientAuthenticationDisabled: next[0],
                AllowLegacyTLSClients: next[1],
              }),
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
        // Numbers above nextBatchMailbox belong to the batch workers (which count down): never both for one mailbox.
        while (!killed && nextMailbox <= nextBatchMailbox) {
          const n = nextMailbox++;
          try {
            const answer = await request(
              `${cli.url}/_emulator/tenants/${MAILBOX_TENANT}/recipients/${encodeURIComponent(upn(n))}`,
              {
                method: 'PATCH',
                body: { SmtpClientAuthenticationDisabled: false },
                timeoutMs: REQUEST_TIMEOUT_MS,
              },
            );
            if (answer.status !== 200) throw new Error(`unexpected ${answer.status}: ${JSON.stringify(answer.body)}`);
          } catch (error) {
            if (killed) return;
            throw new Error(`round ${round}, ${upn(n)}: ${(error as Error).message}; emulator stderr: ${cli.stderr()}`);
          }
          ackedMailboxes.push(n);
          totalAcknowledged++;
        }
      };

      const batchWorker = async (): Promise<void> => {
        while (!killed && nextBatchMailbox - BATCH >= nextMailbox) {
          const numbers = Array.from({ length: BATCH }, () => nextBatchMailbox--);
          try {
            const answer = await request(`${cli.url}/adminapi/beta/${MAILBOX_TENANT}/$batch`, {
              body: {
                requests: numbers.map((n, i) => ({
                  id: String(i),
                  method: 'POST',
                  url: 'InvokeCommand',
                  body: cmdletBody('Set-CASMailbox', { Identity: upn(n), SmtpClientAuthenticationDisabled: true }),
                })),
              },
              timeoutMs: REQUEST_TIMEOUT_MS,
            });
            const statuses = answer.body?.responses?.map((r: { status: number }) => r.status);
            if (answer.status !== 200 || statuses.some((st: number) => st !== 200))
              throw new Error(`unexpected ${answer.status}: ${JSON.stringify(answer.body)}`);
          } catch (error) {
            if (killed) return;
            throw new Error(
              `round ${round}, batch ${numbers.join(',')}: ${(error as Error).message}; emulator stderr: ${cli.stderr()}`,
            );
          }
          ackedBatchMailboxes.push(...numbers);
          totalAcknowledged += numbers.length;
        }
      };

      const workers = [...TRANSPORT_TENANTS.map(transportWorker), mailboxWorker(), mailboxWorker(), mailboxWorker()];
      if (run.batches) workers.push(batchWorker(), batchWorker());
      // Kill anywhere from immediately to one second in; a few rounds kill at once, while the first writes happen.
      await sleep(round % 5 === 0 ? 0 : Math.floor(Math.random() * 1000));
      killed = true;
      cli.child.kill('SIGKILL');
      const exit = await cli.exited;
      expect(exit.signal).toBe('SIGKILL');
      await Promise.all(workers);

      // State file + journal must load (exactly as a restart would), and hold every acknowledged change. Most rounds
      // end with changes only in the journal, since the state file is rewritten only at seeding and compaction.
      const state: any = readPersistedState(dataFile);
      journalRounds += state.journalEntries > 0 ? 1 : 0;
      const rawSeq = JSON.parse(readFileSync(dataFile, 'utf8')).journalSeq as number;
      if (rawSeq > snapshotSeq) compactedRounds++;
      snapshotSeq = rawSeq;
      const tenants = new Map<string, any>(state.tenants.map((t: any) => [t.initialDomain, t]));
      const mailboxes = new Map<string, any>(
        tenants.get(MAILBOX_TENANT).recipients.map((r: any) => [r.UserPrincipalName, r]),
      );
      for (const n of ackedMailboxes)
        expect([upn(n), mailboxes.get(upn(n)).SmtpClientAuthenticationDisabled]).toEqual([upn(n), false]);
      for (const n of ackedBatchMailboxes)
        expect([upn(n), mailboxes.get(upn(n)).SmtpClientAuthenticationDisabled]).toEqual([upn(n), true]);
      for (const [tenant, model] of models) {
        const onDisk = tenants.get(tenant);
        const value: [boolean, boolean | null] = [
          onDisk.transportConfig.SmtpClientAuthenticationDisabled,
          onDisk.transportConfig.AllowLegacyTLSClients,
        ];
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
    if (run.batches) expect(ackedBatchMailboxes.length).toBeGreaterThan(ROUNDS * BATCH);

    // A final start resumes the state file, and a clean stop exits 0.
    const cli = await run.spawnRound(dataFile, fixtureFile);
    const answer = await request(`${cli.url}/adminapi/beta/${TRANSPORT_TENANTS[0]}/InvokeCommand`, {
      body: cmdletBody('Get-TransportConfig'),
    });
    const model = models.get(TRANSPORT_TENANTS[0]!)!;
    expect([answer.body.value[0].SmtpClientAuthenticationDisabled, answer.body.value[0].AllowLegacyTLSClients]).toEqual(
      model.value,
    );
    cli.child.kill('SIGTERM');
    expect((await cli.exited).code).toBe(0);
    return { journalRounds, compactedRounds };
  }
}

describe('crash safety (kill -9)', () => {
  const dir = tempDir('exoform-crash-');
  afterAll(() => dir.remove());

  it(`keeps the state file and journal valid and every acknowledged change across ${ROUNDS} kills of the CLI`, async () => {
    const path = join(dir.path, 'cli');
    mkdirSync(path);
    const { journalRounds } = await crashRounds(path, {
      // The packaged CLI (built by globalSetup), as a user runs it: 21 starts, each cheaper than through tsx.
      spawnRound: (dataFile, fixtureFile) =>
        spawnPackagedCli(['emulator', '--data', dataFile, '--seed', fixtureFile, '--token', TOKEN]),
      batches: false,
    });
    // Most rounds end with acknowledged changes only in the journal: it is what is being tested.
    expect(journalRounds).toBeGreaterThan(ROUNDS / 2);
  }, 240_000);

  it(`also when compactions (state file rewrites) are frequent and $batch writes are in flight, across ${ROUNDS} kills`, async () => {
    const path = join(dir.path, 'compacting');
    mkdirSync(path);
    const { compactedRounds } = await crashRounds(path, {
      // A 16 KB journal limit: the 4 MB state file is rewritten every few group commits, so kills land mid-compaction.
      spawnRound: (dataFile, fixtureFile) =>
        spawnEmulatorChild({ dataFile, seed: fixtureFile, token: TOKEN, journalCompactBytes: 16 * 1024 }),
      batches: true,
    });
    // Timing-dependent (kills come at random moments, some at once): at least a couple of rounds must have compacted.
    expect(compactedRounds).toBeGreaterThanOrEqual(2);
  }, 240_000);
});
