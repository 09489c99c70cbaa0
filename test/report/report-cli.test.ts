/**
 * `exoform report` as a user runs it: the real CLI as a child process, reading a fleet file, against the real
 * emulator over HTTP (Exchange admin API and Graph). The report's numbers are checked against the emulator's own
 * state, and each way a verdict is decided is pinned: inherit vs explicit, shared mailboxes, an enabled mailbox whose
 * user policy blocks Basic SMTP, security defaults on, an app without AuditLog.Read.All (and without any evidence),
 * and an unreachable tenant that is reported, never skipped.
 */
import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { startEmulator, type RunningEmulator } from '../../src/emulator';
import type { MailboxReadiness, ReadinessReport, TenantReadiness } from '../../src/report/report-model';
import { BIN, tempDir } from '../emulator/helpers';
import { validateJsonSchema } from '../support/json-schema';
import { READINESS_FLEET_FIXTURE } from '../support/readiness-fleet';

const TOKEN = 'report-test-token-31c9';

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Async spawn: the emulator runs in this process, so the child must not block its event loop. */
function runCli(args: string[], env: Record<string, string>, cwd: string): Promise<Run> {
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

/** A loopback port with nothing listening: the unreachable tenant's endpoint. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', () => done()));
  const port = (server.address() as { port: number }).port;
  await new Promise<void>((done) => server.close(() => done()));
  return port;
}

describe('exoform report over a fleet', () => {
  let emulator: RunningEmulator;
  let dir: { path: string; remove(): void };
  let run: Run;
  let report: ReadinessReport;
  const tenant = (name: string): TenantReadiness => report.tenants.find((t) => t.name === name)!;
  const mailbox = (name: string, upn: string): MailboxReadiness =>
    tenant(name).mailboxes!.find((m) => m.userPrincipalName === upn)!;

  beforeAll(async () => {
    emulator = await startEmulator({ seed: READINESS_FLEET_FIXTURE, token: TOKEN });
    dir = tempDir('exoform-report-');
    const port = await closedPort();
    writeFileSync(
      join(dir.path, 'fleet.yaml'),
      [
        'version: 1',
        'defaults:',
        `  endpoint: ${emulator.url}`,
        '  credentials:',
        '    accessToken: { env: TF_VAR_exo_token }',
        '  baseline: { disableSmtpAuthOrgWide: true }',
        'tenants:',
        ...READINESS_FLEET_FIXTURE.tenants.map((t) => `  - tenant: ${t.domain}`),
        '  - tenant: litware.onmicrosoft.com',
        `    endpoint: http://127.0.0.1:${port}`,
      ].join('\n'),
    );
    run = await runCli(
      [
        'report',
        '--fleet',
        'fleet.yaml',
        '--format',
        'json',
        '--csv',
        'out/report.csv',
        '--html',
        'out/report.html',
        '--allow-list',
        'allow',
        '--parallel',
        '3',
      ],
      { TF_VAR_exo_token: TOKEN },
      dir.path,
    );
    report = JSON.parse(run.stdout) as ReadinessReport;
  });

  afterAll(async () => {
    await emulator?.close();
    dir?.remove();
  });

  it('reports every tenant, the unreachable one as unreachable, with exit status 3 and progress on stderr', () => {
    expect(run.code).toBe(3);
    expect(report.schemaVersion).toBe(1);
    expect(report.tenants.map((t) => t.tenant)).toEqual([
      ...READINESS_FLEET_FIXTURE.tenants.map((t) => t.domain),
      'litware.onmicrosoft.com',
    ]);
    const litware = tenant('litware');
    expect(litware.status).toBe('unreachable');
    expect(litware.error).toMatch(/127\.0\.0\.1|reach|connect/i);
    expect(litware.mailboxes).toBeUndefined();
    expect(report.totals.notRead).toBe(1);
    expect(run.stderr).toMatch(/\[\d\/6\] litware: UNREACHABLE/);
    expect(run.stderr).toMatch(/Reading 6 tenant\(s\), 3 at a time/);
    expect(run.stdout + run.stderr).not.toContain(TOKEN);
  });

  it('prints JSON that follows docs/report.schema.json (schemaVersion 1)', () => {
    const schema = JSON.parse(readFileSync(join(__dirname, '..', '..', 'docs', 'report.schema.json'), 'utf8'));
    expect(validateJsonSchema(schema, report)).toEqual([]);
    // The checker is not vacuous: a report missing a field or with an unknown verdict fails.
    const broken = JSON.parse(JSON.stringify(report));
    broken.tenants[0].mailboxes[0].verdict = 'fine';
    delete broken.totals.notRead;
    expect(validateJsonSchema(schema, broken)).toEqual(
      expect.arrayContaining([expect.stringContaining('"fine" is not one of'), '$.totals: missing notRead']),
    );
  });

  it('prints exactly what JSON.stringify would, though it writes a tenant at a time (1,000 tenants exceed one string)', () => {
    expect(run.stdout).toBe(`${JSON.stringify(report, null, 2)}\n`);
  });

  it("matches the emulator's state: mailboxes, shared mailboxes, own settings and effective SMTP AUTH", () => {
    for (const fixture of READINESS_FLEET_FIXTURE.tenants) {
      const state = emulator.control.store.findTenant(fixture.domain)!;
      const t = report.tenants.find((r) => r.tenant === fixture.domain)!;
      expect(t.status).toBe('ok');
      const records = state.recipients.filter((r) => r.RecipientTypeDetails !== 'User');
      expect(t.counts!.mailboxes).toBe(records.length);
      expect(t.counts!.sharedMailboxes).toBe(records.filter((r) => r.RecipientTypeDetails === 'SharedMailbox').length);
      expect(t.organization!.smtpClientAuthenticationDisabled).toBe(
        state.transportConfig.SmtpClientAuthenticationDisabled,
      );
      for (const record of records) {
        const row = t.mailboxes!.find((m) => m.userPrincipalName === record.UserPrincipalName)!;
        const own = record.SmtpClientAuthenticationDisabled;
        expect(row.smtpAuthSetting).toBe(own === null ? 'inherit' : own ? 'disabled' : 'enabled');
        expect(row.effectiveSmtpAuth).toBe(!(own ?? state.transportConfig.SmtpClientAuthenticationDisabled));
        expect(row.recipientTypeDetails).toBe(record.RecipientTypeDetails);
      }
      const sum = t.counts!.verdicts.breaks + t.counts!.verdicts['at-risk'] + t.counts!.verdicts.ready;
      expect(sum).toBe(records.length);
    }
    expect(report.totals.mailboxes).toBe(
      READINESS_FLEET_FIXTURE.tenants.reduce(
        (n, f) =>
          n +
          emulator.control.store.findTenant(f.domain)!.recipients.filter((r) => r.RecipientTypeDetails !== 'User')
            .length,
        0,
      ),
    );
  });

  it('inherit vs explicit, shared mailboxes, and a user policy that blocks Basic SMTP on an enabled mailbox', () => {
    expect(mailbox('fabrikam', 'alice@fabrikam.com')).toMatchObject({
      smtpAuthSetting: 'inherit',
      effectiveSmtpAuth: true,
      effectiveBasicSmtp: true,
      decidedBy: 'organization',
      verdict: 'ready',
      authenticationPolicy: 'Allow Basic SMTP',
      authenticationPolicyAppliesAs: 'org-default',
    });
    expect(mailbox('fabrikam', 'bob@fabrikam.com')).toMatchObject({
      smtpAuthSetting: 'disabled',
      effectiveSmtpAuth: false,
      effectiveBasicSmtp: false,
      decidedBy: 'mailbox',
      verdict: 'ready',
    });
    expect(mailbox('fabrikam', 'printer@fabrikam.com')).toMatchObject({
      smtpAuthSetting: 'enabled',
      effectiveSmtpAuth: true,
      effectiveBasicSmtp: false,
      decidedBy: 'user-policy',
      verdict: 'ready',
      authenticationPolicy: 'Block Basic auth',
      authenticationPolicyAppliesAs: 'user',
      usage: { source: 'signins', successfulSignIns: 0, failedSignIns: 60 },
    });
    expect(mailbox('fabrikam', 'helpdesk@fabrikam.com')).toMatchObject({
      recipientTypeDetails: 'SharedMailbox',
      smtpAuthSetting: 'inherit',
      effectiveBasicSmtp: true,
      verdict: 'breaks',
      usage: { successfulSignIns: 30 },
    });
    expect(mailbox('fabrikam', 'invoices@fabrikam.com')).toMatchObject({
      verdict: 'breaks',
      usage: { source: 'signins', successfulSignIns: 180 },
    });
    expect(tenant('fabrikam')).toMatchObject({
      verdict: 'breaks',
      counts: { effectiveSmtpAuth: 5, effectiveBasicSmtp: 4, verdicts: { breaks: 2, 'at-risk': 0, ready: 4 } },
    });
    expect(mailbox('contoso', 'scanner@contoso.com')).toMatchObject({
      smtpAuthSetting: 'enabled',
      decidedBy: 'mailbox',
      verdict: 'breaks',
      usage: { successfulSignIns: 90 },
    });
    expect(mailbox('contoso', 'info@contoso.com')).toMatchObject({
      recipientTypeDetails: 'SharedMailbox',
      smtpAuthSetting: 'inherit',
      effectiveSmtpAuth: false,
      decidedBy: 'organization',
      verdict: 'ready',
    });
    expect(mailbox('contoso', 'sean@contoso.com')).toMatchObject({
      verdict: 'ready',
      usage: { successfulSignIns: 0, failedSignIns: 3 },
    });
    expect(tenant('contoso').evidence).toMatchObject({ source: 'signins', signIns: { available: true, count: 93 } });
  });

  it('security defaults on block Basic SMTP whatever Exchange says; no P1 licence is "no evidence", then the usage report', () => {
    const northwind = tenant('northwind');
    expect(northwind.organization!.securityDefaults).toBe('enabled');
    expect(
      northwind.mailboxes!.every(
        (m) =>
          m.effectiveSmtpAuth && !m.effectiveBasicSmtp && m.decidedBy === 'security-defaults' && m.verdict === 'ready',
      ),
    ).toBe(true);
    expect(northwind.evidence!.signIns).toEqual({
      available: false,
      reason: expect.stringMatching(/licence.*NonPremium/),
    });
    expect(northwind.evidence!.source).toBe('usage-report');
    expect(mailbox('northwind', 'warehouse@northwindtraders.com').usage).toMatchObject({
      source: 'usage-report',
      smtpUsed: true,
    });
  });

  it('an app without AuditLog.Read.All: sign-ins "not available", never "no usage"; without any evidence: at risk', () => {
    const woodgrove = tenant('woodgrove');
    expect(woodgrove.evidence!.signIns).toEqual({
      available: false,
      reason: expect.stringContaining('AuditLog.Read.All'),
    });
    expect(woodgrove.organization!.securityDefaults).toBe('unknown');
    expect(mailbox('woodgrove', 'labels@woodgrovebank.com')).toMatchObject({
      effectiveBasicSmtp: true,
      effectiveBasicSmtpUncertain: true,
      verdict: 'at-risk',
      usage: { source: 'usage-report', smtpUsed: true },
    });
    expect(mailbox('woodgrove', 'labels@woodgrovebank.com').usage.successfulSignIns).toBeUndefined();
    const tailspin = tenant('tailspin');
    expect(tailspin.evidence!.source).toBe('none-available');
    expect(tailspin.evidence!.usageReport.reason).toContain('Reports.Read.All');
    expect(mailbox('tailspin', 'copier@tailspin.onmicrosoft.com')).toMatchObject({
      verdict: 'at-risk',
      usage: { source: 'none-available' },
      reason: expect.stringContaining('no usage evidence is available'),
    });
    expect(mailbox('tailspin', 'pat@tailspin.onmicrosoft.com').verdict).toBe('at-risk');
    expect(mailbox('tailspin', 'quinn@tailspin.onmicrosoft.com').verdict).toBe('ready');
    expect(report.totals).toMatchObject({
      tenants: 6,
      notRead: 1,
      tenantVerdicts: { breaks: 2, 'at-risk': 2, ready: 1 },
    });
  });

  it('costs page reads, not a call per mailbox', () => {
    for (const t of report.tenants.filter((r) => r.status === 'ok')) expect(t.requests.exchange).toBe(5);
  });

  it('writes CSV with one row per mailbox and one per tenant not read', () => {
    const lines = readFileSync(join(dir.path, 'out', 'report.csv'), 'utf8')
      .trimEnd()
      .split('\r\n');
    expect(lines[0]).toMatch(/^tenant,tenantName,tenantStatus,userPrincipalName,/);
    expect(lines).toHaveLength(1 + report.totals.mailboxes + 1);
    expect(lines).toContainEqual(
      expect.stringMatching(
        /^fabrikam\.onmicrosoft\.com,fabrikam,ok,printer@fabrikam\.com,printer@fabrikam\.com,UserMailbox,enabled,Block Basic auth,user,true,false,user-policy,ready,signins,0,60,/,
      ),
    );
    expect(lines).toContainEqual(expect.stringMatching(/^litware\.onmicrosoft\.com,litware,unreachable,/));
  });

  it("suggests an allow list per tenant in the seeds' format: the mailboxes that need an exception", () => {
    const active = (name: string): string[] =>
      readFileSync(join(dir.path, 'allow', `${name}.txt`), 'utf8')
        .split('\n')
        .map((line) => line.replace(/#.*/, '').trim())
        .filter(Boolean);
    expect(active('contoso')).toEqual(['scanner@contoso.com']);
    expect(active('fabrikam')).toEqual(['helpdesk@fabrikam.com', 'invoices@fabrikam.com']);
    expect(active('northwind')).toEqual([]);
    expect(active('woodgrove')).toEqual(['labels@woodgrovebank.com']);
    expect(active('tailspin')).toEqual([]);
    expect(readFileSync(join(dir.path, 'allow', 'tailspin.txt'), 'utf8')).toContain(
      '# copier@tailspin.onmicrosoft.com',
    );
    expect(readFileSync(join(dir.path, 'allow', 'litware.txt'), 'utf8')).toMatch(/# NOT READ \(unreachable\)/);
  });

  it('one tenant from the EXO_* variables: a table on stdout and --fail-on for pipelines', async () => {
    const env = { EXO_ENDPOINT: emulator.url, EXO_ACCESS_TOKEN: TOKEN };
    const breaks = await runCli(
      ['report', '--tenant', 'contoso.onmicrosoft.com', '--fail-on', 'breaks'],
      env,
      dir.path,
    );
    expect(breaks.code).toBe(1);
    expect(breaks.stdout).toMatch(/== contoso \(contoso\.onmicrosoft\.com\): BREAKS/);
    expect(breaks.stdout).toMatch(
      /scanner@contoso\.com\s+user\s+enabled\s+on\s+allowed\s+mailbox\s+90 ok\/0 failed.*breaks/,
    );
    expect(breaks.stderr).toContain('--fail-on breaks: met.');
    const ready = await runCli(
      ['report', '--fail-on', 'at-risk', '--quiet'],
      { ...env, EXO_ORGANIZATION: 'northwind.onmicrosoft.com' },
      dir.path,
    );
    expect(ready.code).toBe(0);
    expect(ready.stderr).toBe('');
    expect(ready.stdout).toMatch(/northwind.*READY/);
  });
});
