/**
 * R1: 1,000 mailbox changes under the fault mix converge in the FIRST apply, with the real terraform:
 * 20% 429 (with Retry-After), 5% 503, 5% lost answers after the change, one 401 inside a batch and two connection
 * resets, all on Set-CASMailbox. The second plan is empty, no member is ever reset as collateral (no Set-CASMailbox
 * to $null), and the state never records more than the emulator holds.
 *
 * Waits are scaled down (Retry-After: 0, EXOFORM_RETRY_BACKOFF_MS=20) so a thousand retries take seconds: the retry
 * decisions are the same, only shorter.
 */
import { REQUIRED_PROVIDERS, TerraformWorkspace } from '../support/terraform';
import { startTestEmulator, DEMO_TENANT, type TestEmulator } from '../support/emulator';

const MAILBOXES = 1000;

describe('fault mix (R1)', () => {
  let emulator: TestEmulator;
  beforeAll(async () => {
    emulator = await startTestEmulator({ seed: { tenants: [{ domain: DEMO_TENANT, generatedMailboxes: MAILBOXES }] } });
  });
  afterAll(async () => {
    await emulator.stop();
  });

  test('1,000 mailbox changes under 429/503/lost answers/401/resets converge in the first apply, without collateral', async () => {
    const identities = Array.from(
      { length: MAILBOXES },
      (_, i) => `user${String(i + 1).padStart(5, '0')}@${DEMO_TENANT}`,
    );
    const tf = new TerraformWorkspace(
      {
        'main.tf': `${REQUIRED_PROVIDERS}
provider "exchangeonline" {}

resource "exchangeonline_mailbox_smtp_auth_list" "devices" {
  identities                          = { for mailbox in split("\\n", trimspace(file("\${path.module}/devices.txt"))) : mailbox => "" }
  smtp_client_authentication_disabled = false
}
`,
        'devices.txt': identities.join('\n') + '\n',
      },
      { ...emulator.providerEnv, EXOFORM_RETRY_BACKOFF_MS: '20' },
    );
    try {
      await tf.init();
      const cmdlet = 'Set-CASMailbox';
      await emulator.inspect.addFault([
        { cmdlet, status: 429, retryAfterSeconds: 0, nth: 3, every: 5 }, // 20%
        { cmdlet, status: 503, nth: 7, every: 20 }, // 5%
        { cmdlet, status: 504, when: 'after', nth: 11, every: 20 }, // 5% lost answers: applied, answer dropped
        { cmdlet, status: 401, nth: 500 }, // one 401 inside a batch
        { cmdlet, reset: true, nth: 250 }, // two connection resets (each drops a whole $batch answer)
        { cmdlet, reset: true, when: 'after', nth: 750 },
      ]);
      const started = Date.now();
      const applied = await tf.apply();
      const wallMs = Date.now() - started;
      expect(applied.stdout).toMatch(/Apply complete! Resources: 1 added/);
      const output = (applied.stdout + applied.stderr).split('\n');
      // A retried lost answer meets "no settings ... have been modified" (Exchange's own warning): that one is expected.
      expect(
        output
          .filter((line) => /Error|No result was recorded|Could not set|failed/.test(line))
          .map((line) => `${line}\n${output.slice(output.indexOf(line), output.indexOf(line) + 8).join('\n')}`),
      ).toEqual([]);

      const rules = await emulator.inspect.faults();
      const injected = rules.reduce((sum, rule) => sum + rule.fired, 0);
      const calls = await emulator.inspect.callsTo(cmdlet);
      // Collateral: nothing was ever returned to inherit.
      expect(calls.filter((call) => call.parameters.SmtpClientAuthenticationDisabled !== false)).toEqual([]);
      // The emulator holds every change, and the state records nothing more.
      const tenant = await emulator.inspect.tenant();
      const values = tenant.recipients
        .filter((r) => r.UserPrincipalName.startsWith('user'))
        .map((r) => r.SmtpClientAuthenticationDisabled);
      expect(values.filter((value) => value === false)).toHaveLength(MAILBOXES);
      const state = await tf.resourceValues('exchangeonline_mailbox_smtp_auth_list.devices');
      expect(state.out_of_sync).toEqual({});
      expect(rules.find((rule) => rule.status === 401)!.fired).toBe(1);
      expect(rules.filter((rule) => rule.reset).map((rule) => rule.fired)).toEqual([1, 1]);
      await emulator.inspect.clearFaults();
      await tf.noChanges();
      const logged = calls.length; // resets are not logged (no answer was given)
      console.log(
        `R1: ${MAILBOXES} mailbox changes, ${injected} faults injected (${rules.map((r) => `${r.reset ? 'reset' : r.status}${r.when === 'after' ? '/after' : ''}: ${r.fired}`).join(', ')}), ` +
          `${logged} Set-CASMailbox calls answered (${logged - MAILBOXES} retries beyond the 1,000 plus resets), first apply ${wallMs} ms`,
      );
    } finally {
      tf.cleanup();
    }
  });
});
