/**
 * The demo fleet's report as an MSP uses it in December 2026, the real CLI as a child process against the emulator
 * over HTTP: every mailbox that breaks or is at risk carries its ways out, with Microsoft's page titles, in the table,
 * CSV, JSON and HTML; then a fix applied through the provider (real terraform) shows in `report --compare` of the
 * report before it, in the table, the JSON and the HTML trend (parsed, not looked at in a browser).
 */
import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { REMEDIES } from '../../src/exchange/remedies';
import { DEMO_FLEET_FIXTURE } from '../../src/report/demo-fleet';
import type { ReadinessReport } from '../../src/report/report-model';
import { CSV_COLUMNS } from '../../src/report/render-text';
import { BIN, tempDir } from '../emulator/helpers';
import { startTestEmulator, type TestEmulator } from '../support/emulator';
import { findAll, parseHtml } from '../support/html';
import { validateJsonSchema } from '../support/json-schema';
import { REQUIRED_PROVIDERS, TerraformWorkspace } from '../support/terraform';

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

/** A CSV line into cells (the report quotes cells with commas, quotes or line breaks). */
function csvCells(line: string): string[] {
  const cells: string[] = [];
  for (const m of line.matchAll(/("(?:[^"]|"")*"|[^,]*)(,|$)/g)) {
    cells.push(m[1]!.startsWith('"') ? m[1]!.slice(1, -1).replace(/""/g, '"') : m[1]!);
    if (m[2] === '') break;
  }
  return cells;
}

const SCHEMA = JSON.parse(readFileSync(join(__dirname, '..', '..', 'docs', 'report.schema.json'), 'utf8'));

describe('the demo fleet report in December 2026', () => {
  let emulator: TestEmulator;
  let dir: { path: string; remove(): void };
  let env: Record<string, string>;
  let table: string;
  let before: ReadinessReport;
  beforeAll(async () => {
    emulator = await startTestEmulator({ seed: DEMO_FLEET_FIXTURE });
    dir = tempDir('exoform-dec2026-');
    writeFileSync(
      join(dir.path, 'fleet.yaml'),
      [
        'defaults:',
        `  endpoint: ${emulator.url}`,
        '  credentials:',
        '    accessToken: { env: EXO_TOKEN }',
        'tenants:',
        ...DEMO_FLEET_FIXTURE.tenants.map((t) => `  - tenant: ${t.domain}`),
      ].join('\n'),
    );
    env = { EXO_TOKEN: emulator.token };
    const run = await cli(
      [
        'report',
        '--fleet',
        'fleet.yaml',
        '--quiet',
        '--json',
        'before.json',
        '--csv',
        'before.csv',
        '--html',
        'before.html',
      ],
      env,
      dir.path,
    );
    expect(run.stderr).toBe('');
    table = run.stdout;
    before = JSON.parse(readFileSync(join(dir.path, 'before.json'), 'utf8')) as ReadinessReport;
  });
  afterAll(async () => {
    await emulator.stop();
    dir.remove();
  });

  const acting = (report: ReadinessReport) =>
    report.tenants.flatMap((t) =>
      (t.mailboxes ?? []).filter((m) => m.verdict !== 'ready').map((m) => ({ tenant: t, mailbox: m })),
    );

  test("JSON: each mailbox to act on carries its ways out; catalog has Microsoft's page titles; schema holds", () => {
    expect(validateJsonSchema(SCHEMA, before)).toEqual([]);
    const rows = acting(before);
    expect(rows.map((r) => `${r.mailbox.userPrincipalName}:${r.mailbox.verdict}`).sort()).toEqual([
      'helpdesk@fabrikam.com:breaks',
      'invoices@fabrikam.com:breaks',
      'labels@woodgrovebank.com:at-risk',
      'scanner@contoso.com:breaks',
    ]);
    for (const { mailbox } of rows) expect(mailbox.remedies.length).toBeGreaterThan(0);
    const helpdesk = rows.find((r) => r.mailbox.userPrincipalName === 'helpdesk@fabrikam.com')!.mailbox;
    expect(helpdesk.remedies).not.toContain('high-volume-email'); // a shared mailbox: not a High Volume Email sender
    expect(rows.find((r) => r.mailbox.userPrincipalName === 'scanner@contoso.com')!.mailbox.remedies).toContain(
      'connector-relay',
    );
    for (const t of before.tenants)
      for (const m of t.mailboxes ?? []) if (m.verdict === 'ready') expect(m.remedies).toEqual([]);
    expect(before.remedies.map((r) => r.microsoftPage)).toEqual(
      expect.arrayContaining([
        'Authenticate an IMAP, POP or SMTP connection using OAuth',
        'High volume email for Microsoft 365',
        'How to set up a multifunction device or application to send email using Microsoft 365 or Office 365',
      ]),
    );
  });

  test("table: each mailbox to act on lists its ways out, and the legend gives each one's Microsoft page title", () => {
    for (const { mailbox } of acting(before)) {
      const line = table.split('\n').find((l) => l.trimStart().startsWith(`${mailbox.userPrincipalName} `))!;
      expect(line).toContain(mailbox.remedies.join(', '));
    }
    for (const r of REMEDIES) expect(table).toContain(`${r.id.padEnd(19)} ${r.name}, "${r.microsoftPage}"`);
  });

  test('CSV: the remedies column names each way out with its page title for every mailbox to act on', () => {
    const [header, ...lines] = readFileSync(join(dir.path, 'before.csv'), 'utf8').trimEnd().split('\r\n');
    expect(header!.split(',')).toEqual([...CSV_COLUMNS]);
    const column = (name: string): number => CSV_COLUMNS.indexOf(name as (typeof CSV_COLUMNS)[number]);
    const rows = lines.map(csvCells);
    const toAct = rows.filter((cells) => cells[column('verdict')] !== 'ready');
    expect(toAct).toHaveLength(4);
    for (const cells of toAct) {
      expect(cells[column('remedies')]).toContain(
        'OAuth for SMTP AUTH ("Authenticate an IMAP, POP or SMTP connection using OAuth")',
      );
      expect(cells[column('remedies')]).toContain(
        'Re-enable Basic SMTP (stopgap) ("Enable or disable SMTP AUTH in Exchange Online")',
      );
    }
    for (const cells of rows.filter((c) => c[column('verdict')] === 'ready'))
      expect(cells[column('remedies')]).toBe('');
  });

  test('HTML: each row to act on has its ways out with the page titles, and the page is well formed', () => {
    const page = parseHtml(readFileSync(join(dir.path, 'before.html'), 'utf8'));
    for (const { mailbox } of acting(before)) {
      const [row] = findAll(page, (e) => e.tag === 'tr' && e.attributes['data-mailbox'] === mailbox.userPrincipalName);
      expect(row).toBeDefined();
      const ways = findAll(row!, (e) => e.tag === 'span' && e.attributes.class === 'way');
      expect(ways.map((w) => w.attributes['data-remedy'])).toEqual(mailbox.remedies);
      expect(findAll(ways[0]!, (e) => e.tag === 'cite')[0]!.text).toBe(
        REMEDIES.find((r) => r.id === mailbox.remedies[0])!.microsoftPage,
      );
    }
    expect(findAll(page, (e) => e.tag === 'dt' && e.attributes['data-remedy'] !== undefined).length).toBe(
      REMEDIES.length,
    );
  });

  test('--compare after a fix applied through the provider: fixed in the table, JSON and HTML trend', async () => {
    // The fix: the scanner now relays through a connector, and its SMTP AUTH is turned off through terraform.
    const tf = new TerraformWorkspace(
      {
        'main.tf': `${REQUIRED_PROVIDERS}
provider "exchangeonline" {}

resource "exchangeonline_mailbox_smtp_auth" "scanner" {
  identity                            = "scanner@contoso.com"
  smtp_client_authentication_disabled = true
}
`,
      },
      emulator.providerEnv,
    );
    try {
      await tf.init();
      await tf.apply();
    } finally {
      tf.cleanup();
    }
    const run = await cli(
      [
        'report',
        '--fleet',
        'fleet.yaml',
        '--quiet',
        '--compare',
        'before.json',
        '--json',
        'after.json',
        '--html',
        'after.html',
      ],
      env,
      dir.path,
    );
    expect(run.stderr).toBe('');

    const after = JSON.parse(readFileSync(join(dir.path, 'after.json'), 'utf8')) as ReadinessReport;
    expect(validateJsonSchema(SCHEMA, after)).toEqual([]);
    const comparison = after.comparison!;
    expect(comparison.earlierGeneratedAt).toBe(before.generatedAt);
    expect(comparison.totals.changes).toMatchObject({ fixed: 1, newlyBreaking: 0, verdictMoved: 0 });
    expect(comparison.totals.verdictsBefore.breaks - comparison.totals.verdictsAfter.breaks).toBe(1);
    const contoso = comparison.tenants.find((t) => t.name === 'contoso')!;
    expect([contoso.verdictBefore, contoso.verdictAfter]).toEqual(['breaks', 'ready']);
    expect(contoso.mailboxes).toEqual([
      {
        userPrincipalName: 'scanner@contoso.com',
        change: 'fixed',
        verdictBefore: 'breaks',
        verdictAfter: 'ready',
        signInsBefore: 90,
        signInsAfter: 90,
      },
    ]);
    expect(comparison.tenants.find((t) => t.name === 'fabrikam')!.mailboxes).toEqual([]);

    expect(run.stdout).toContain(`Since ${before.generatedAt}: 1 fixed, 0 newly breaking`);
    expect(run.stdout).toMatch(/contoso: breaks → ready; breaks 1 → 0/);
    expect(run.stdout).toMatch(/contoso\s+scanner@contoso\.com\s+fixed\s+breaks → ready\s+90 → 90/);

    const page = parseHtml(readFileSync(join(dir.path, 'after.html'), 'utf8'));
    const [trend] = findAll(
      page,
      (e) =>
        e.tag === 'section' &&
        e.attributes.class === 'trend' &&
        e.attributes['data-trend-tenant'] === 'contoso.onmicrosoft.com',
    );
    expect(trend!.attributes['data-fixed']).toBe('1');
    // Then and now, one bar above the other: the breaks segment is gone from the "now" bar.
    const segment = (chart: string, key: string) =>
      findAll(
        findAll(trend!, (e) => e.attributes['data-chart'] === chart)[0]!,
        (e) => e.tag === 'rect' && e.attributes['data-segment'] === key,
      )[0];
    expect(segment('before', 'breaks')?.attributes['data-count']).toBe('1');
    expect(segment('after', 'breaks')).toBeUndefined();
    const [changed] = findAll(trend!, (e) => e.tag === 'tr' && e.attributes['data-change'] === 'fixed');
    expect(changed!.attributes['data-mailbox']).toBe('scanner@contoso.com');
    expect(
      findAll(page, (e) => e.attributes['data-change'] === 'fixed' && e.attributes.class === 'tile ready')[0]!.text,
    ).toMatch(/^1fixed$/);
  });

  test('--compare with a file that is not a report: a clear error naming the flag, exit 2, nothing read', async () => {
    writeFileSync(join(dir.path, 'not-a-report.json'), '{"hello": 1}');
    const run = await cli(
      ['report', '--fleet', 'fleet.yaml', '--quiet', '--compare', 'not-a-report.json'],
      env,
      dir.path,
    );
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('--compare: not-a-report.json is not an exoform readiness report');
    expect(run.stdout).toBe('');
    const missing = await cli(
      ['report', '--fleet', 'fleet.yaml', '--quiet', '--compare', 'nowhere.json'],
      env,
      dir.path,
    );
    expect([missing.code, missing.stderr]).toEqual([
      2,
      expect.stringContaining('--compare: cannot read nowhere.json (ENOENT)'),
    ]);
  });
});
