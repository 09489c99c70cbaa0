/**
 * Watching for Microsoft's December 2026 switch, as a user meets it: the emulator is fed a Get-TransportConfig
 * property exoform does not model (as if the service started returning it), and the real CLI, run as a child process
 * against the emulator over HTTP, names it in `exoform doctor` and `exoform report --tenant` (table, JSON, CSV, HTML).
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { KNOWN_PROPERTIES, WATCHED_NAME } from '../../src/exchange/watched-properties';
import type { ReadinessReport } from '../../src/report/report-model';
import { BIN, tempDir } from '../emulator/helpers';
import { DEMO_TENANT, startTestEmulator, type TestEmulator } from '../support/emulator';
import { findAll, parseHtml } from '../support/html';

const NEW_PROPERTY = 'SmtpClientBasicAuthenticationRetired';

function cli(
  args: string[],
  env: Record<string, string>,
  cwd: string,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], {
      cwd,
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', EXOFORM_CLI_FROM_SOURCE: '1', ...env },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => (stdout += chunk));
    child.stderr.on('data', (chunk) => (stderr += chunk));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

describe('the December 2026 watch in doctor and report', () => {
  let emulator: TestEmulator;
  let dir: { path: string; remove(): void };
  let env: Record<string, string>;
  beforeAll(async () => {
    emulator = await startTestEmulator();
    dir = tempDir('exoform-watch-');
    env = { EXO_ORGANIZATION: DEMO_TENANT, EXO_ACCESS_TOKEN: emulator.token, EXO_ENDPOINT: emulator.url };
  });
  afterAll(async () => {
    await emulator.stop();
    dir.remove();
  });

  test("the known list covers the watched names on the emulator's rows: nothing reported before the feed", async () => {
    const doctor = await cli(['doctor', '--json'], env, dir.path);
    const report = JSON.parse(doctor.stdout) as {
      checks: Array<{ id: string; status: string }>;
      unknownProperties: unknown[];
    };
    expect(report.checks.find((c) => c.id === 'watch')?.status).toBe('pass');
    expect(report.unknownProperties).toEqual([]);
    // The emulator's organization config carries OAuth2ClientProfileEnabled: watched by name, known, so not reported.
    expect(WATCHED_NAME.test('OAuth2ClientProfileEnabled')).toBe(true);
    expect(KNOWN_PROPERTIES.some((p) => p.name === 'OAuth2ClientProfileEnabled')).toBe(true);
  });

  test('an unmodelled Get-TransportConfig property: named by doctor and report --tenant, in the JSON', async () => {
    expect(KNOWN_PROPERTIES.some((p) => p.name === NEW_PROPERTY)).toBe(false);
    await emulator.inspect.request('PUT', `/_emulator/tenants/${DEMO_TENANT}/unmodelled-properties`, {
      'Get-TransportConfig': { [NEW_PROPERTY]: true },
    });

    const table = await cli(['doctor'], env, dir.path);
    expect(table.stdout).toMatch(
      new RegExp(`Watch for the December 2026 switch.*WARN.*Get-TransportConfig returned ${NEW_PROPERTY} = true`),
    );
    expect(table.stdout).toContain('the verdicts may not yet account for it');
    const json = JSON.parse((await cli(['doctor', '--json'], env, dir.path)).stdout) as {
      unknownProperties: Array<Record<string, string>>;
    };
    expect(json.unknownProperties).toEqual([
      expect.objectContaining({
        cmdlet: 'Get-TransportConfig',
        property: NEW_PROPERTY,
        value: 'true',
        seenOn: `${DEMO_TENANT}\\Transport Settings`,
      }),
    ]);

    // --redact-tenant: where it was seen names the tenant, so it is redacted too.
    const redacted = await cli(['doctor', '--json', '--redact-tenant'], env, dir.path);
    expect((JSON.parse(redacted.stdout) as { unknownProperties: unknown[] }).unknownProperties).toHaveLength(1);
    expect(redacted.stdout).toContain(NEW_PROPERTY);
    expect(redacted.stdout).not.toContain(DEMO_TENANT);

    const outputs = ['--json', 'report.json', '--csv', 'report.csv', '--html', 'report.html'];
    const report = await cli(['report', '--tenant', DEMO_TENANT, '--quiet', ...outputs], env, dir.path);
    expect(report.stderr).toBe('');
    expect(report.stdout).toContain(
      `UNMODELLED PROPERTY: Get-TransportConfig returned ${NEW_PROPERTY} = true ` +
        `(on ${DEMO_TENANT}\\Transport Settings)`,
    );
    const written = JSON.parse(readFileSync(join(dir.path, 'report.json'), 'utf8')) as ReadinessReport;
    expect(written.tenants[0]!.unknownProperties).toEqual([
      {
        cmdlet: 'Get-TransportConfig',
        property: NEW_PROPERTY,
        seenOn: `${DEMO_TENANT}\\Transport Settings`,
        value: 'true',
        note: 'exoform does not model it: the verdicts may not yet account for it',
      },
    ]);
    // The other formats too: a CSV column on every row of the tenant, a box on its HTML card.
    const [header, first] = readFileSync(join(dir.path, 'report.csv'), 'utf8').split('\r\n');
    expect(header!.split(',').pop()).toBe('unmodelledProperties');
    expect(first).toContain(`Get-TransportConfig ${NEW_PROPERTY}=true (on ${DEMO_TENANT}\\Transport Settings)`);
    const page = parseHtml(readFileSync(join(dir.path, 'report.html'), 'utf8'));
    const items = findAll(page, (e) => e.tag === 'li' && e.attributes['data-property'] !== undefined);
    expect(items.map((e) => [e.attributes['data-cmdlet'], e.attributes['data-property']])).toEqual([
      ['Get-TransportConfig', NEW_PROPERTY],
    ]);
    expect(items[0]!.text).toContain('the verdicts may not yet account for it');
  });

  test('a long text value is described, never printed (it could carry anything)', async () => {
    await emulator.inspect.request('PUT', `/_emulator/tenants/${DEMO_TENANT}/unmodelled-properties`, {
      'Get-OrganizationConfig': { OAuthSmtpClientNote: 'not a word: a sentence with spaces' },
    });
    const json = JSON.parse((await cli(['doctor', '--json'], env, dir.path)).stdout) as {
      unknownProperties: Array<Record<string, string>>;
    };
    expect(json.unknownProperties).toEqual([
      expect.objectContaining({
        cmdlet: 'Get-OrganizationConfig',
        property: 'OAuthSmtpClientNote',
        value: 'a text of 34 characters',
      }),
    ]);
    expect(JSON.stringify(json)).not.toContain('a sentence with spaces');
  });
});
