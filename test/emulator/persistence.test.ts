import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { StateFileError, readPersistedState, startEmulator } from '../../src/emulator';
import { DEMO, TOKEN, TestEmulator, cmdletBody, request, runCli, tempDir } from './helpers';

describe('persistence', () => {
  let dir: ReturnType<typeof tempDir>;
  let dataFile: string;
  beforeEach(() => {
    dir = tempDir();
    dataFile = join(dir.path, 'state.json');
  });
  afterEach(() => dir.remove());

  it('writes the seeded state before listening, and resumes it after a restart', async () => {
    const first = await TestEmulator.start({ dataFile });
    const onDisk = JSON.parse(readFileSync(dataFile, 'utf8'));
    expect(onDisk).toMatchObject({
      format: 'exoform-emulator-state',
      version: 2,
      journalSeq: 0,
      seed: { source: 'demo' },
    });
    expect(onDisk.tenants[0].initialDomain).toBe(DEMO);
    await first.invoke(DEMO, 'Set-TransportConfig', {
      SmtpClientAuthenticationDisabled: false,
      AllowLegacyTLSClients: true,
    });
    await first.inspect('PATCH', 'tenants/contoso.com/recipients/chris@contoso.com', {
      SmtpClientAuthenticationDisabled: true,
    });
    // Acknowledged means on disk (in the journal), even before close.
    expect(existsSync(`${dataFile}.journal`)).toBe(true);
    expect(readPersistedState(dataFile).tenants[0]!.transportConfig.SmtpClientAuthenticationDisabled).toBe(false);
    await first.close();
    // A clean close folds the journal into the state file: one self-contained file.
    expect(existsSync(`${dataFile}.journal`)).toBe(false);
    expect(JSON.parse(readFileSync(dataFile, 'utf8')).tenants[0].transportConfig.SmtpClientAuthenticationDisabled).toBe(
      false,
    );
    expect(existsSync(`${dataFile}.lock`)).toBe(false);

    const lines: string[] = [];
    const second = await TestEmulator.start({ dataFile, seed: 'demo', log: (l) => lines.push(l) });
    expect(lines.join('\n')).toContain('ignored because');
    const row = (await second.invoke(DEMO, 'Get-TransportConfig')).body.value[0];
    expect(row).toMatchObject({ SmtpClientAuthenticationDisabled: false, AllowLegacyTLSClients: true });
    expect(
      (await second.invoke(DEMO, 'Get-CASMailbox', { Identity: 'chris@contoso.com' })).body.value[0]
        .SmtpClientAuthenticationDisabled,
    ).toBe(true);
    expect(second.emulator.tenants()[0]!.revision).toBe(2);

    // Reset goes back to the seed recorded in the file, even though this process was not given one.
    await second.inspect('POST', 'reset');
    expect((await second.invoke(DEMO, 'Get-TransportConfig')).body.value[0].SmtpClientAuthenticationDisabled).toBe(
      true,
    );
    await second.close();
    expect(JSON.parse(readFileSync(dataFile, 'utf8')).tenants[0].revision).toBe(0);
  });

  it('treats an empty data file (e.g. from mktemp) like a missing one, and creates missing directories', async () => {
    writeFileSync(dataFile, '');
    const emu = await TestEmulator.start({ dataFile });
    expect(JSON.parse(readFileSync(dataFile, 'utf8')).format).toBe('exoform-emulator-state');
    await emu.close();
    const nested = join(dir.path, 'a', 'b', 'state.json');
    const other = await TestEmulator.start({ dataFile: nested });
    expect(existsSync(nested)).toBe(true);
    await other.close();
  });

  it.each([
    [
      'not JSON',
      '{"format": "exoform-emulator-state", "version": 1, "tenants": [',
      /State file .*state\.json is not valid JSON .*move it away/s,
    ],
    ['another format', '{"format": "something-else"}', /is not an exoform emulator state file .*never overwrites/s],
    [
      'a newer version',
      '{"format": "exoform-emulator-state", "version": 3, "tenants": []}',
      /has version 3, but this exoform reads versions 1 and 2 only\. It was written by a newer exoform/,
    ],
    [
      'a damaged tenant',
      '{"format": "exoform-emulator-state", "version": 1, "seed": {"source": "demo", "fixture": {"tenants": []}}, "tenants": [{"tenantId": "x"}]}',
      /is damaged:\n {2}- tenants\[0\]\.tenantId: must be guid/,
    ],
  ])('refuses a state file that is %s with a clear error, and leaves it untouched', async (_name, content, message) => {
    writeFileSync(dataFile, content);
    const error = await startEmulator({ dataFile, token: TOKEN }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StateFileError);
    expect((error as Error).message).toMatch(message);
    expect((error as Error).message).toContain(dataFile);
    expect(readFileSync(dataFile, 'utf8')).toBe(content);
    expect(existsSync(`${dataFile}.lock`)).toBe(false);
  });

  it('the CLI reports a corrupt state file on stderr and exits 1', async () => {
    writeFileSync(dataFile, 'garbage');
    const result = await runCli(['emulator', '--data', dataFile, '--token', TOKEN]);
    expect(result.code).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr).toContain(`State file ${dataFile} is not valid JSON`);
    expect(readFileSync(dataFile, 'utf8')).toBe('garbage');
  });

  it('refuses a second emulator on the same data file, and takes over a lock left by a dead process', async () => {
    const first = await TestEmulator.start({ dataFile });
    const error = await startEmulator({ dataFile, token: TOKEN }).catch((e: unknown) => e);
    expect((error as Error).message).toContain('is in use by another emulator');
    await first.close();
    writeFileSync(`${dataFile}.lock`, '999999\n'); // no such process
    writeFileSync(join(dir.path, `.state.json.999999.3.tmp`), 'half a write');
    const second = await TestEmulator.start({ dataFile });
    expect(readdirSync(dir.path).filter((f) => f.endsWith('.tmp'))).toEqual([]);
    await second.close();
  });

  it('answers 500 with the reason when the state cannot be saved, and recovers when it can again', async () => {
    const emu = await TestEmulator.start({ dataFile });
    rmSync(dir.path, { recursive: true, force: true });
    const failed = await emu.invoke(DEMO, 'Set-TransportConfig', { SmtpClientAuthenticationDisabled: false });
    expect(failed.status).toBe(500);
    expect(failed.body.error.message).toContain(`Could not save emulator state to ${dataFile}`);
    mkdirSync(dir.path);
    const retried = await emu.invoke(DEMO, 'Set-TransportConfig', { AllowLegacyTLSClients: true });
    expect(retried.status).toBe(200);
    const onDisk = readPersistedState(dataFile).tenants[0]!.transportConfig;
    expect(onDisk).toMatchObject({ SmtpClientAuthenticationDisabled: false, AllowLegacyTLSClients: true });
    await emu.close();
  });

  it('makes a whole $batch durable with one write, and answers every item 500 when that write fails', async () => {
    const fixture = { tenants: [{ domain: 'load.onmicrosoft.com', generatedMailboxes: 20 }] };
    const emu = await TestEmulator.start({ dataFile, seed: fixture });
    const upn = (n: number): string => `user${String(n).padStart(5, '0')}@load.onmicrosoft.com`;
    const batch = (value: boolean): Promise<any> =>
      request(`${emu.url}/adminapi/beta/load.onmicrosoft.com/$batch`, {
        body: {
          requests: Array.from({ length: 10 }, (_, i) => ({
            id: String(i),
            method: 'POST',
            url: 'InvokeCommand',
            body: cmdletBody('Set-CASMailbox', { Identity: upn(i + 1), SmtpClientAuthenticationDisabled: value }),
          })),
        },
      });
    const writesBefore = (await emu.inspect('GET', 'stats')).body.stateWrites;
    const ok = await batch(false);
    expect(ok.body.responses.map((r: any) => r.status)).toEqual(Array(10).fill(200));
    expect((await emu.inspect('GET', 'stats')).body.stateWrites).toBe(writesBefore + 1);
    expect(
      readPersistedState(dataFile)
        .tenants[0]!.recipients.slice(0, 10)
        .every((r) => r.SmtpClientAuthenticationDisabled === false),
    ).toBe(true);

    rmSync(dir.path, { recursive: true, force: true });
    const failed = await batch(true);
    expect(failed.status).toBe(200);
    expect(failed.body.responses.map((r: any) => r.status)).toEqual(Array(10).fill(500));
    expect(failed.body.responses[0].body.error.message).toContain('Could not save emulator state');
    const log = (await emu.inspect('GET', 'calls?limit=10')).body.calls;
    expect(log.map((c: any) => c.status)).toEqual(Array(10).fill(500));
    mkdirSync(dir.path);
    await emu.close();
    expect(
      readPersistedState(dataFile)
        .tenants[0]!.recipients.slice(0, 10)
        .every((r) => r.SmtpClientAuthenticationDisabled === true),
    ).toBe(true);
  });

  it('keeps every acknowledged change of concurrent requests (group commit)', async () => {
    const fixture = { tenants: [{ domain: 'load.onmicrosoft.com', generatedMailboxes: 200 }] };
    const emu = await TestEmulator.start({ dataFile, seed: fixture });
    const upns = Array.from({ length: 200 }, (_, i) => `user${String(i + 1).padStart(5, '0')}@load.onmicrosoft.com`);
    const answers = await Promise.all(
      upns.map((upn) =>
        emu.inspect('PATCH', `tenants/load.onmicrosoft.com/recipients/${upn}`, {
          SmtpClientAuthenticationDisabled: false,
        }),
      ),
    );
    expect(answers.every((a) => a.status === 200)).toBe(true);
    const onDisk = readPersistedState(dataFile);
    expect(onDisk.tenants[0]!.recipients.every((r: any) => r.SmtpClientAuthenticationDisabled === false)).toBe(true);
    expect(onDisk.tenants[0]!.revision).toBe(200);
    const stats = await emu.inspect('GET', 'stats');
    expect(stats.body.stateWrites).toBeLessThan(200); // concurrent changes shared writes
    await emu.close();
  });
});
