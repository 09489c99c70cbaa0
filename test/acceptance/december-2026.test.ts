/**
 * The end of December 2026 through the real terraform (1.11 here) against the emulator: the documented `check` block
 * (docs/examples/data-sources/smtp_auth_readiness.tf, as the data source page shows it) warns in every plan while a
 * mailbox would break, naming it, and is quiet once the mailbox is fixed. The unmodelled-property warning and the
 * emulator's switch flip are checked in process in test/provider/december-2026.test.ts.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { startTestEmulator, type TestEmulator } from '../support/emulator';
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
});
