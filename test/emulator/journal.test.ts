/**
 * The state journal (src/emulator/journal.ts): cheap durable appends, replay on load, torn tails, compaction and
 * the ways a journal can fail to fit its state file. "Crash images" are taken by copying the state file and journal
 * while the emulator runs (every acknowledged change is on disk at that point), as a kill -9 would leave them.
 */
import {
  appendFileSync,
  copyFileSync,
  existsSync,
  readFileSync,
  readdirSync,
  statSync,
  unlinkSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { StateFileError, readPersistedState, startEmulator } from '../../src/emulator';
import { DEMO, TOKEN, TestEmulator, tempDir } from './helpers';

const T = 'journal.onmicrosoft.com';
const FIXTURE = { tenants: [{ domain: T, generatedMailboxes: 50 }] };
const upn = (n: number): string => `user${String(n).padStart(5, '0')}@${T}`;

describe('state journal', () => {
  let dir: ReturnType<typeof tempDir>;
  let dataFile: string;
  let journal: string;
  beforeEach(() => {
    dir = tempDir('exoform-journal-');
    dataFile = join(dir.path, 'state.json');
    journal = `${dataFile}.journal`;
  });
  afterEach(() => dir.remove());

  /** Copies state file and journal to `name` (a crash image) and returns the copy's data file path. */
  function crashImage(name: string): string {
    const copy = join(dir.path, name);
    copyFileSync(dataFile, copy);
    if (existsSync(journal)) copyFileSync(journal, `${copy}.journal`);
    return copy;
  }

  async function setOverrides(emu: TestEmulator, from: number, to: number, value: boolean): Promise<void> {
    for (let n = from; n <= to; n++) {
      const answer = await emu.invoke(T, 'Set-CASMailbox', {
        Identity: upn(n),
        SmtpClientAuthenticationDisabled: value,
      });
      expect(answer.status).toBe(200);
    }
  }

  it('appends one line per group commit instead of rewriting the state file, and replays it on start', async () => {
    const emu = await TestEmulator.start({ dataFile, seed: FIXTURE });
    const snapshotBefore = readFileSync(dataFile, 'utf8');
    await setOverrides(emu, 1, 5, false);
    expect(readFileSync(dataFile, 'utf8')).toBe(snapshotBefore); // untouched
    const lines = readFileSync(journal, 'utf8').split('\n').filter(Boolean);
    expect(lines).toHaveLength(5);
    expect(lines[0]).toMatch(/^[0-9a-f]{16} \{"lineage":"[0-9a-f-]{36}","seq":1,/);
    const stats = (await emu.inspect('GET', 'stats')).body;
    expect(stats.persistence).toMatchObject({ journalAppends: 5, snapshots: 1, stateWrites: 6 });

    const image = crashImage('image.json');
    await emu.close();
    const lines2: string[] = [];
    const resumed = await startEmulator({ dataFile: image, token: TOKEN, log: (l) => lines2.push(l) });
    expect(lines2.join('\n')).toContain('and 5 journal entries');
    const recipients = resumed.control.store.tenants[0]!.recipients;
    expect(recipients.slice(0, 6).map((r) => r.SmtpClientAuthenticationDisabled)).toEqual([
      false,
      false,
      false,
      false,
      false,
      null,
    ]);
    expect(resumed.tenants()[0]!.revision).toBe(5);
    await resumed.close();
  });

  it('drops a torn last line (never acknowledged), cuts it off, and appends cleanly after it', async () => {
    const emu = await TestEmulator.start({ dataFile, seed: FIXTURE });
    await setOverrides(emu, 1, 3, false);
    const image = crashImage('image.json');
    await emu.close();
    const intact = readFileSync(`${image}.journal`, 'utf8');
    const imageSnapshot = readFileSync(image);
    for (const torn of [
      intact.split('\n')[0]!.slice(0, 40),
      `0123456789abcdef {"lineage":"x","seq":4}\n`,
      '\u0000\u0000\u0000\u0000',
    ]) {
      writeFileSync(`${image}.journal`, intact + torn);
      expect(readPersistedState(image).tornJournalBytes).toBe(Buffer.byteLength(torn));
      const log: string[] = [];
      const resumed = await TestEmulator.start({ dataFile: image, log: (l) => log.push(l) });
      expect(log.join('\n')).toContain('and 3 journal entries');
      expect(log.join('\n')).toContain(`dropped an incomplete last journal entry (${Buffer.byteLength(torn)} bytes)`);
      expect(readFileSync(`${image}.journal`, 'utf8')).toBe(intact);
      expect(resumed.emulator.tenants()[0]!.revision).toBe(3);
      await setOverrides(resumed, 4, 4, true);
      expect(readPersistedState(image).tenants[0]!.recipients[3]!.SmtpClientAuthenticationDisabled).toBe(true);
      expect(readPersistedState(image).tornJournalBytes).toBe(0);
      await resumed.emulator.close();
      // Back to the crash image (state file as seeded + 3 journal lines) for the next variant.
      writeFileSync(image, imageSnapshot);
    }
  });

  it('refuses to start when a damaged line is followed by intact ones, and leaves both files alone', async () => {
    const emu = await TestEmulator.start({ dataFile, seed: FIXTURE });
    await setOverrides(emu, 1, 3, false);
    const image = crashImage('image.json');
    await emu.close();
    const lines = readFileSync(`${image}.journal`, 'utf8').split('\n');
    lines[1] = lines[1]!.replace('"seq":2', '"seq":9'); // checksum no longer matches
    const damaged = lines.join('\n');
    writeFileSync(`${image}.journal`, damaged);
    const error = await startEmulator({ dataFile: image, token: TOKEN }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StateFileError);
    expect((error as Error).message).toContain(
      `Journal ${image}.journal is damaged: line 2 is unreadable but later lines are intact`,
    );
    expect((error as Error).message).toContain('move both away');
    expect(readFileSync(`${image}.journal`, 'utf8')).toBe(damaged);
    expect(existsSync(`${image}.lock`)).toBe(false);
  });

  it('refuses a journal from another state file (lineage) or with a gap in its seqs', async () => {
    const emu = await TestEmulator.start({ dataFile, seed: FIXTURE });
    await setOverrides(emu, 1, 3, false);
    const image = crashImage('image.json');
    await emu.close();
    const other = join(dir.path, 'other.json');
    const emu2 = await TestEmulator.start({ dataFile: other, seed: FIXTURE });
    await setOverrides(emu2, 1, 1, true);
    copyFileSync(`${other}.journal`, join(dir.path, 'foreign.journal'));
    await emu2.close();

    const mine = readFileSync(`${image}.journal`, 'utf8');
    writeFileSync(`${image}.journal`, readFileSync(join(dir.path, 'foreign.journal')));
    let error = await startEmulator({ dataFile: image, token: TOKEN }).catch((e: unknown) => e);
    expect((error as Error).message).toMatch(/does not fit state file .*belongs to another state file/);

    writeFileSync(
      `${image}.journal`,
      mine
        .split('\n')
        .filter((_, i) => i !== 1)
        .join('\n'),
    );
    error = await startEmulator({ dataFile: image, token: TOKEN }).catch((e: unknown) => e);
    expect((error as Error).message).toContain('it continues at seq 3 but the state file ends at seq 1');
  });

  it('compaction crash: journal lines the new snapshot already holds are skipped, not applied twice', async () => {
    const emu = await TestEmulator.start({ dataFile, seed: FIXTURE });
    await setOverrides(emu, 1, 4, false);
    const oldJournal = readFileSync(journal);
    await emu.close(); // compacts: the state file now holds seq 1..4, the journal is gone
    expect(existsSync(journal)).toBe(false);
    const compacted = JSON.parse(readFileSync(dataFile, 'utf8'));
    expect(compacted.journalSeq).toBe(4);
    // The crash came after the new snapshot's rename but before the journal was deleted.
    writeFileSync(journal, oldJournal);
    const resumed = await TestEmulator.start({ dataFile });
    expect(resumed.emulator.tenants()[0]!.revision).toBe(4);
    await setOverrides(resumed, 5, 5, false);
    expect(readPersistedState(dataFile)).toMatchObject({ journalSeq: 5, journalEntries: 1 });
    expect(readPersistedState(dataFile).tenants[0]!.revision).toBe(5);
    await resumed.close();
  });

  it('compaction crash during the snapshot write: the half-written temp file is ignored and removed', async () => {
    const emu = await TestEmulator.start({ dataFile, seed: FIXTURE });
    await setOverrides(emu, 1, 2, false);
    const image = crashImage('image.json');
    await emu.close();
    writeFileSync(join(dir.path, '.image.json.4242.7.tmp'), '{"format": "exoform-emulator-state", "vers');
    const resumed = await TestEmulator.start({ dataFile: image });
    expect(resumed.emulator.tenants()[0]!.revision).toBe(2);
    expect(readdirSync(dir.path).filter((f) => f.endsWith('.tmp'))).toEqual([]);
    await resumed.close();
  });

  it('compacts automatically once the journal outgrows its limit, and everything survives a restart', async () => {
    const emu = await TestEmulator.start({ dataFile, seed: FIXTURE, journalCompactBytes: 8 * 1024 });
    await setOverrides(emu, 1, 50, false);
    const stats = (await emu.inspect('GET', 'stats')).body.persistence;
    // ~1.2 KB per line: a compaction every ~7 changes.
    expect(stats.snapshots).toBeGreaterThanOrEqual(5);
    expect(stats.journalBytes).toBeLessThan(8 * 1024 + 2000);
    expect(stats.snapshotBytes).toBe(statSync(dataFile).size);
    const image = crashImage('image.json');
    await emu.close();
    const resumed = await TestEmulator.start({ dataFile: image });
    expect(
      resumed.emulator.control.store.tenants[0]!.recipients.every((r) => r.SmtpClientAuthenticationDisabled === false),
    ).toBe(true);
    expect(resumed.emulator.tenants()[0]!.revision).toBe(50);
    await resumed.close();
  });

  it('journals every kind of change: policies (new, set, remove), org config, transport config, recipients added and removed', async () => {
    const emu = await TestEmulator.start({ dataFile, seed: FIXTURE });
    await emu.invoke(T, 'New-AuthenticationPolicy', { Name: 'Keep', AllowBasicAuthSmtp: true });
    await emu.invoke(T, 'New-AuthenticationPolicy', { Name: 'Drop' });
    await emu.invoke(T, 'Set-AuthenticationPolicy', { Identity: 'Keep', AllowBasicAuthPop: true });
    await emu.invoke(T, 'Set-User', {
      Identity: upn(1),
      AuthenticationPolicy: 'Drop',
      STSRefreshTokensValidFrom: '2026-05-01T00:00:00Z',
    });
    await emu.invoke(T, 'Set-OrganizationConfig', { DefaultAuthenticationPolicy: 'Keep' });
    await emu.invoke(T, 'Remove-AuthenticationPolicy', { Identity: 'Drop' });
    await emu.invoke(T, 'Set-TransportConfig', { SmtpClientAuthenticationDisabled: false });
    await emu.inspect('POST', `tenants/${T}/recipients`, { upn: `added@${T}`, type: 'SharedMailbox' });
    await emu.inspect('DELETE', `tenants/${T}/recipients/${upn(2)}`);
    const live = (await emu.inspect('GET', `tenants/${T}`)).body;
    const image = crashImage('image.json');
    await emu.close();
    const resumed = await TestEmulator.start({ dataFile: image });
    expect((await resumed.inspect('GET', `tenants/${T}`)).body).toEqual(live);
    await resumed.close();
    expect(JSON.parse(readFileSync(image, 'utf8')).tenants[0].recipients.map((r: any) => r.UserPrincipalName)).toEqual(
      live.recipients.map((r: any) => r.UserPrincipalName),
    );
  });

  it('notices a journal deleted behind its back and writes a complete state file instead of appending to a ghost', async () => {
    const emu = await TestEmulator.start({ dataFile, seed: FIXTURE });
    await setOverrides(emu, 1, 2, false);
    unlinkSync(journal);
    await setOverrides(emu, 3, 3, false);
    const onDisk = readPersistedState(dataFile);
    expect(onDisk.tenants[0]!.recipients.slice(0, 3).map((r) => r.SmtpClientAuthenticationDisabled)).toEqual([
      false,
      false,
      false,
    ]);
    expect((await emu.inspect('GET', 'stats')).body.persistence.snapshots).toBe(2);
    await emu.close();
  });

  it('moves a journal without a state file aside when seeding, and reads (then upgrades) version 1 state files', async () => {
    writeFileSync(journal, 'left over\n');
    const log: string[] = [];
    const emu = await TestEmulator.start({ dataFile, log: (l) => log.push(l) });
    expect(log.join('\n')).toMatch(/state\.json\.journal had no state file to belong to; moved it to .*\.orphaned-\d+/);
    expect(readdirSync(dir.path).some((f) => f.startsWith('state.json.journal.orphaned-'))).toBe(true);
    await emu.close();

    const v2 = JSON.parse(readFileSync(dataFile, 'utf8'));
    const { lineage: _lineage, journalSeq: _seq, ...rest } = v2;
    writeFileSync(dataFile, JSON.stringify({ ...rest, version: 1 }));
    const old = await TestEmulator.start({ dataFile });
    expect((await old.invoke(DEMO, 'Set-TransportConfig', { SmtpClientAuthenticationDisabled: false })).status).toBe(
      200,
    );
    const upgraded = JSON.parse(readFileSync(dataFile, 'utf8'));
    expect(upgraded).toMatchObject({
      version: 2,
      journalSeq: 0,
      tenants: [{ transportConfig: { SmtpClientAuthenticationDisabled: false } }],
    });
    expect(typeof upgraded.lineage).toBe('string');
    await old.close();
  });

  it('a version 1 state file with a journal next to it is refused (the journal cannot be its own)', async () => {
    const emu = await TestEmulator.start({ dataFile, seed: FIXTURE });
    await setOverrides(emu, 1, 1, false);
    const image = crashImage('image.json');
    await emu.close();
    const { lineage: _l, journalSeq: _s, ...rest } = JSON.parse(readFileSync(image, 'utf8'));
    writeFileSync(image, JSON.stringify({ ...rest, version: 1 }));
    appendFileSync(`${image}.journal`, '');
    const error = await startEmulator({ dataFile: image, token: TOKEN }).catch((e: unknown) => e);
    expect((error as Error).message).toContain('written by an exoform without journal support (version 1)');
  });
});
