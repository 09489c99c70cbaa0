/**
 * data "exchangeonline_smtp_auth_readiness" with Microsoft Graph, through the real terraform against the emulator's
 * Exchange and Graph endpoints: a mailbox that breaks (Basic SMTP sign-ins, nothing keeps it working), security
 * defaults on, an app without AuditLog.Read.All ("no evidence available", never "no usage"); and the data source's
 * verdicts equal `exoform report --json`'s (the real CLI as a child process) for the same seeded tenants.
 */
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ReadinessReport } from '../../src/report/report-model';
import { BIN, tempDir } from '../emulator/helpers';
import { startTestEmulator, type TestEmulator } from '../support/emulator';
import { REQUIRED_PROVIDERS, TerraformWorkspace } from '../support/terraform';
import { READINESS_FLEET_FIXTURE } from '../support/readiness-fleet';

const TENANTS = READINESS_FLEET_FIXTURE.tenants.map((t) => t.domain.split('.')[0]!);

/** One provider alias and one data source per tenant; every field the test compares, as one output. */
const MAIN_TF = `${REQUIRED_PROVIDERS}
${TENANTS.map(
  (name) => `
provider "exchangeonline" {
  alias        = "${name}"
  organization = "${name}.onmicrosoft.com"
}

data "exchangeonline_smtp_auth_readiness" "${name}" {
  provider = exchangeonline.${name}
}
`,
).join('')}

output "readiness" {
  value = {
${TENANTS.map(
  (name) => `    ${name} = {
      tenant_verdict    = data.exchangeonline_smtp_auth_readiness.${name}.tenant_verdict
      security_defaults = data.exchangeonline_smtp_auth_readiness.${name}.security_defaults
      usage_evidence    = data.exchangeonline_smtp_auth_readiness.${name}.usage_evidence
      graph_detail      = data.exchangeonline_smtp_auth_readiness.${name}.graph_detail
      summary           = data.exchangeonline_smtp_auth_readiness.${name}.summary
      mailboxes         = { for m in data.exchangeonline_smtp_auth_readiness.${name}.mailboxes : m.primary_smtp_address => m }
    }`,
).join('\n')}
  }
}
`;

interface MailboxOut {
  smtp_auth_setting: string;
  effective_smtp_auth: boolean;
  effective_basic_smtp: boolean;
  decided_by: string;
  verdict: string;
  reason: string;
  basic_smtp_sign_ins: number | null;
  failed_basic_smtp_sign_ins: number | null;
  last_used: string | null;
}
interface TenantOut {
  tenant_verdict: string;
  security_defaults: string;
  usage_evidence: string;
  graph_detail: string | null;
  summary: Record<string, number>;
  mailboxes: Record<string, MailboxOut>;
}

/** `exoform report` as a user runs it (async spawn: the emulator runs in this process). */
function runReport(
  args: string[],
  env: Record<string, string>,
  cwd: string,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, 'report', ...args], {
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

describe('exchangeonline_smtp_auth_readiness with Microsoft Graph', () => {
  let emulator: TestEmulator;
  const dir = tempDir('exoform-readiness-graph-');
  beforeAll(async () => {
    emulator = await startTestEmulator({ seed: READINESS_FLEET_FIXTURE });
  });
  afterAll(async () => {
    await emulator.stop();
    dir.remove();
  });

  test('breaks on sign-in evidence, security defaults on, no AuditLog.Read.All; verdicts equal exoform report --json', async () => {
    const { EXO_ORGANIZATION: _unused, ...env } = emulator.providerEnv;
    const tf = new TerraformWorkspace({ 'main.tf': MAIN_TF }, env);
    let out: Record<string, TenantOut>;
    try {
      await tf.init();
      await tf.apply();
      out = JSON.parse((await tf.expect(['output', '-json', 'readiness'])).stdout) as Record<string, TenantOut>;
    } finally {
      tf.cleanup();
    }

    // contoso: the scanner's mailbox is enabled, no policy blocks Basic SMTP, security defaults are off, and the
    // sign-in log shows it using Basic SMTP AUTH: it breaks. Sean's phone only fails: already blocked, ready.
    const contoso = out.contoso!;
    expect([contoso.security_defaults, contoso.usage_evidence, contoso.graph_detail, contoso.tenant_verdict]).toEqual([
      'disabled',
      'signins',
      null,
      'breaks',
    ]);
    const scanner = contoso.mailboxes['scanner@contoso.com']!;
    expect([scanner.smtp_auth_setting, scanner.effective_basic_smtp, scanner.decided_by, scanner.verdict]).toEqual([
      'enabled',
      true,
      'mailbox',
      'breaks',
    ]);
    expect(scanner.basic_smtp_sign_ins).toBe(90); // every 8 hours for 30 days, as seeded
    expect(scanner.last_used).toMatch(/^\d{4}-\d{2}-\d{2}T/);
    expect(scanner.reason).toMatch(/90 Basic SMTP sign-in\(s\) in the window/);
    expect(contoso.mailboxes['sean@contoso.com']).toMatchObject({
      verdict: 'ready',
      basic_smtp_sign_ins: 0,
      failed_basic_smtp_sign_ins: 3,
    });
    expect(contoso.summary).toMatchObject({ breaks: 1, at_risk: 0 });

    // northwind: security defaults on block Basic SMTP for everyone, whatever Exchange allows. No Entra ID P1: the
    // sign-in log answers 403 and the usage report is read instead (said in graph_detail).
    const northwind = out.northwind!;
    expect([northwind.security_defaults, northwind.usage_evidence, northwind.tenant_verdict]).toEqual([
      'enabled',
      'usage-report',
      'ready',
    ]);
    expect(northwind.graph_detail).toMatch(
      /Sign-ins: no evidence available: no Entra ID P1\/P2 licence.*the usage report \(a weaker signal\) was read instead/,
    );
    expect(northwind.mailboxes['andrew@northwindtraders.com']).toMatchObject({
      effective_smtp_auth: true,
      effective_basic_smtp: false,
      decided_by: 'security-defaults',
      verdict: 'ready',
    });
    expect(northwind.summary.effective_basic_smtp).toBe(0);

    // tailspin: the app lacks AuditLog.Read.All (and Reports.Read.All): no evidence available, never "no usage".
    const tailspin = out.tailspin!;
    expect([tailspin.security_defaults, tailspin.usage_evidence, tailspin.tenant_verdict]).toEqual([
      'disabled',
      'none-available',
      'at-risk',
    ]);
    expect(tailspin.graph_detail).toMatch(
      /Sign-ins: no evidence available: the app lacks AuditLog\.Read\.All \(Authorization_RequestDenied\); usage report: the app lacks Reports\.Read\.All/,
    );
    const copier = tailspin.mailboxes['copier@tailspin.onmicrosoft.com']!;
    expect([copier.effective_basic_smtp, copier.verdict, copier.basic_smtp_sign_ins]).toEqual([true, 'at-risk', null]);
    expect(copier.reason).toMatch(/no usage evidence is available \(the app lacks AuditLog\.Read\.All/);

    // woodgrove: without Policy.Read.All security defaults are not read, and the reason says what that may hide.
    expect(out.woodgrove!.security_defaults).toBe('not read');
    expect(out.woodgrove!.graph_detail).toMatch(/Security defaults: not read: the app lacks Policy\.Read\.All/);
    expect(out.woodgrove!.mailboxes['labels@woodgrovebank.com']!.reason).toMatch(
      /Entra security defaults were not read/,
    );

    // The same tenants through exoform report --json: every mailbox's effective fields, sign-in count and verdict are the
    // same (the times themselves move with the clock: seeded sign-ins are hours before each request).
    const fleet = join(dir.path, 'fleet.yaml');
    writeFileSync(
      fleet,
      [
        'version: 1',
        'defaults:',
        `  endpoint: ${emulator.url}`,
        '  credentials:',
        '    accessToken: { env: TF_VAR_exo_token }',
        'tenants:',
        ...READINESS_FLEET_FIXTURE.tenants.map((t) => `  - tenant: ${t.domain}`),
      ].join('\n'),
    );
    const run = await runReport(
      ['--fleet', fleet, '--format', 'json', '--quiet'],
      { TF_VAR_exo_token: emulator.token },
      dir.path,
    );
    expect(run.stderr).toBe('');
    const report = JSON.parse(run.stdout) as ReadinessReport;
    let compared = 0;
    for (const tenant of report.tenants) {
      expect(tenant.status).toBe('ok');
      const source = out[tenant.name]!;
      expect([source.tenant_verdict, source.security_defaults, source.usage_evidence]).toEqual([
        tenant.verdict,
        tenant.organization!.securityDefaults === 'unknown' ? 'not read' : tenant.organization!.securityDefaults,
        tenant.evidence!.source,
      ]);
      expect(Object.keys(source.mailboxes).sort()).toEqual(tenant.mailboxes!.map((m) => m.primarySmtpAddress).sort());
      for (const m of tenant.mailboxes!) {
        const d = source.mailboxes[m.primarySmtpAddress]!;
        expect([
          m.primarySmtpAddress,
          d.smtp_auth_setting,
          d.effective_smtp_auth,
          d.effective_basic_smtp,
          d.decided_by,
          d.verdict,
          d.basic_smtp_sign_ins ?? undefined,
          d.last_used !== null,
        ]).toEqual([
          m.primarySmtpAddress,
          m.smtpAuthSetting,
          m.effectiveSmtpAuth,
          m.effectiveBasicSmtp,
          m.decidedBy,
          m.verdict,
          m.usage.successfulSignIns,
          m.usage.lastUsed !== undefined,
        ]);
        compared++;
      }
    }
    expect(compared).toBe(READINESS_FLEET_FIXTURE.tenants.reduce((n, t) => n + (t.mailboxes?.length ?? 0), 0));
  });
});
