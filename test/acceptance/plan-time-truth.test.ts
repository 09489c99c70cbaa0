/**
 * Plan-time truth with the real terraform: a mailbox managed by two resources with different values fails the one
 * `terraform plan` that plans both, and terraform names the failing address. The two values planned in either order,
 * the same value twice, policies that do not exist and the unknown tenant are checked in process in
 * test/provider/plan-time-truth.test.ts.
 */
import { REQUIRED_PROVIDERS, TerraformWorkspace } from '../support/terraform';
import { startTestEmulator, type TestEmulator } from '../support/emulator';

const flatten = (text: string): string => text.replace(/[│╷╵]/g, ' ').replace(/\s+/g, ' ');

describe('plan-time truth', () => {
  let emulator: TestEmulator;
  beforeAll(async () => {
    emulator = await startTestEmulator();
  });
  afterAll(async () => {
    await emulator.stop();
  });

  test('a mailbox in a list and in a single resource with different values fails the plan, naming both', async () => {
    const tf = new TerraformWorkspace(
      {
        'main.tf': `${REQUIRED_PROVIDERS}
provider "exchangeonline" {}

resource "exchangeonline_mailbox_smtp_auth_list" "allowed" {
  identities                          = { "sean@contoso.com" = "", "scanner@contoso.com" = "" }
  smtp_client_authentication_disabled = false
}

resource "exchangeonline_mailbox_smtp_auth" "sean" {
  identity                            = "Sean@contoso.com"
  smtp_client_authentication_disabled = true
}
`,
      },
      emulator.providerEnv,
    );
    try {
      await tf.init();
      const planned = await tf.run(['plan', '-no-color', '-input=false']);
      expect(planned.code).toBe(1);
      const text = flatten(planned.stderr);
      expect(text).toMatch(
        /Mailbox "Sean@contoso.com" is managed twice with different values|Mailbox "sean@contoso.com" is managed twice with different values/,
      );
      expect(text).toMatch(/exchangeonline_mailbox_smtp_auth(_list)?\.(sean|allowed)/); // terraform names the failing address
      expect(text).toMatch(/an exchangeonline_mailbox_smtp_auth(_list)? \(/); // the provider names the other resource
    } finally {
      tf.cleanup();
    }
  });
});
