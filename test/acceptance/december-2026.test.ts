/**
 * The end of December 2026 through the real terraform (1.11 here) against the emulator:
 *
 *   - the documented `check` block (docs/examples/data-sources/smtp_auth_readiness.tf, as the data source page shows
 *     it) warns in every plan while a mailbox would break, naming it, and is quiet once the mailbox is fixed;
 *   - the readiness data source warns about a property exoform does not model (fed through the emulator);
 *   - the emulator's switch flip (its own guess of Microsoft's change) shows in the plan of a configuration that states
 *     it wants SMTP AUTH kept on: the org setting and the policy switch come back as in-place updates.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DEMO_TENANT, startTestEmulator, type TestEmulator } from '../support/emulator';
import { REQUIRED_PROVIDERS, TerraformWorkspace } from '../support/terraform';

const DOCUMENTED = readFileSync(
  join(__dirname, '..', '..', 'docs', 'examples', 'data-sources', 'smtp_auth_readiness.tf'),
  'utf8',
);

const scanner = (disabled: boolean): string => `
resource "exchangeonline_mailbox_smtp_auth" "scanner" {
  identity                            = "scanner@contoso.com"
  smtp_client_authentication_disabled = ${disabled}
}
`;

/** A configuration that wants SMTP AUTH kept on says so: the org setting and the policy switch, written out. */
const KEEP_ON = `
resource "exchangeonline_transport_config" "this" {
  smtp_client_authentication_disabled = false
}

resource "exchangeonline_authentication_policy" "printers" {
  name                  = "Printers"
  allow_basic_auth_smtp = true
}
`;

const CHECK_WARNING = /Warning: Check block assertion failed/;

/** Terraform's output as one line: its box drawing and its wrapping of long diagnostics removed. */
const flat = (text: string): string => text.replace(/[│╵╷]/g, ' ').replace(/\s+/g, ' ');

describe('December 2026 in plans', () => {
  let emulator: TestEmulator;
  beforeAll(async () => {
    emulator = await startTestEmulator();
  });
  afterAll(async () => {
    await emulator.stop();
  });

  test('the documented check block warns in every plan while a mailbox breaks, names it; quiet if fixed', async () => {
    const tf = new TerraformWorkspace(
      { 'main.tf': `${REQUIRED_PROVIDERS}\nprovider "exchangeonline" {}\n${DOCUMENTED}`, 'scanner.tf': scanner(false) },
      emulator.providerEnv,
    );
    try {
      await tf.init();
      // The scanner is allowed SMTP AUTH and the demo sign-in log shows it using Basic SMTP: it breaks.
      const applied = await tf.apply();
      expect(applied.stdout).toMatch(CHECK_WARNING);
      for (let plan = 0; plan < 2; plan++) {
        const result = await tf.expect(['plan', '-no-color', '-input=false']);
        expect(result.stdout).toMatch(CHECK_WARNING);
        expect(result.stdout).toContain('in check "smtp_auth_december_2026"');
        expect(flat(result.stdout)).toMatch(
          /December 2026: scanner@contoso\.com \(\d+ sign-ins, last \d{4}-\d\d-\d\dT/,
        );
      }
      // Fixed: the scanner now relays through a connector and no longer needs SMTP AUTH.
      tf.write({ 'scanner.tf': scanner(true) });
      await tf.apply();
      const result = await tf.expect(['plan', '-no-color', '-input=false']);
      expect(result.stdout).not.toMatch(CHECK_WARNING);
      expect(result.stdout).not.toContain('scanner@contoso.com');
    } finally {
      tf.cleanup();
    }
  });

  test('the readiness data source warns about a property exoform does not model, with where it was seen', async () => {
    await emulator.inspect.request('PUT', `/_emulator/tenants/${DEMO_TENANT}/unmodelled-properties`, {
      'Get-TransportConfig': { SmtpClientBasicAuthenticationRetired: true },
    });
    const tf = new TerraformWorkspace(
      {
        'main.tf': `${REQUIRED_PROVIDERS}
provider "exchangeonline" {}
data "exchangeonline_smtp_auth_readiness" "tenant" {
  read_graph = false
}
`,
      },
      emulator.providerEnv,
    );
    try {
      await tf.init();
      const { result } = await tf.plan(0);
      const text = flat(result.stdout);
      expect(text).toContain(
        'Warning: Unmodelled property SmtpClientBasicAuthenticationRetired on Get-TransportConfig',
      );
      expect(text).toContain(
        `Get-TransportConfig returned SmtpClientBasicAuthenticationRetired = true (on ${DEMO_TENANT}\\Transport ` +
          'Settings): exoform does not model it: the verdicts may not yet account for it.',
      );
    } finally {
      await emulator.inspect.request('PUT', `/_emulator/tenants/${DEMO_TENANT}/unmodelled-properties`, {});
      tf.cleanup();
    }
  });

  test('after the emulator flips the switch, a configuration wanting SMTP AUTH on plans it back', async () => {
    const tf = new TerraformWorkspace(
      { 'main.tf': `${REQUIRED_PROVIDERS}\nprovider "exchangeonline" {}\n${KEEP_ON}` },
      emulator.providerEnv,
    );
    try {
      await tf.init();
      await tf.apply();
      await tf.plan(0);
      await emulator.inspect.request('POST', `/_emulator/tenants/${DEMO_TENANT}/switch`, { flip: 'both' });
      const { result, plan } = await tf.plan(2);
      const change = (address: string) => plan.resource_changes?.find((c) => c.address === address)?.change;
      expect(change('exchangeonline_transport_config.this')?.actions).toEqual(['update']);
      expect(change('exchangeonline_transport_config.this')?.before.smtp_client_authentication_disabled).toBe(true);
      expect(change('exchangeonline_transport_config.this')?.after.smtp_client_authentication_disabled).toBe(false);
      expect(change('exchangeonline_authentication_policy.printers')?.actions).toEqual(['update']);
      expect(change('exchangeonline_authentication_policy.printers')?.after.allow_basic_auth_smtp).toBe(true);
      expect(result.stdout).toMatch(/~ smtp_client_authentication_disabled = true -> false/);
      await tf.apply();
      expect((await emulator.inspect.tenant()).transportConfig.SmtpClientAuthenticationDisabled).toBe(false);
      expect((await emulator.inspect.authenticationPolicy('Printers'))?.AllowBasicAuthSmtp).toBe(true);
      await tf.destroy();
    } finally {
      tf.cleanup();
    }
  });
});
