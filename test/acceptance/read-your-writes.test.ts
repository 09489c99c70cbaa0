/**
 * R6 read-your-writes for the resources that change one object: `exchangeonline_mailbox_smtp_auth`,
 * `exchangeonline_authentication_policy_assignment` and `exchangeonline_default_authentication_policy`, with the
 * real terraform and 3 s of replication lag in the emulator (reads see the tenant as it was 3 s ago).
 *
 * Without a confirmation after each write, the plan right after an apply refreshes from a stale read and shows
 * drift, and "set, then back to inherit" plans nothing (the stale read already says inherit) or skips the write at
 * destroy (the stale read says there is nothing to clear). The lag-free transport config, list and policy variants
 * are in concurrent-writers.test.ts.
 */
import { REQUIRED_PROVIDERS, TerraformWorkspace } from '../support/terraform';
import { startTestEmulator, type TestEmulator } from '../support/emulator';

const MAILBOX = 'chris@contoso.com';
const USER = 'scanner@contoso.com';
const POLICY = 'Block Basic Auth';

/** `set`: the mailbox override, the user's policy and the organization default all set; else all back to inherit. */
function config(set: boolean): Record<string, string> {
  return {
    'main.tf': `${REQUIRED_PROVIDERS}
provider "exchangeonline" {}

resource "exchangeonline_authentication_policy" "block" {
  name = ${JSON.stringify(POLICY)}
}

resource "exchangeonline_mailbox_smtp_auth" "chris" {
  identity = ${JSON.stringify(MAILBOX)}
${set ? '  smtp_client_authentication_disabled = true' : ''}
}
${
  set
    ? `
resource "exchangeonline_authentication_policy_assignment" "scanner" {
  user                  = ${JSON.stringify(USER)}
  authentication_policy = exchangeonline_authentication_policy.block.name
}

resource "exchangeonline_default_authentication_policy" "org" {
  authentication_policy = exchangeonline_authentication_policy.block.name
}
`
    : ''
}`,
  };
}

describe('read-your-writes with 3 s of replication lag (R6)', () => {
  let emulator: TestEmulator;
  beforeAll(async () => {
    emulator = await startTestEmulator();
  });
  afterAll(async () => {
    await emulator.stop();
  });

  /** What the tenant really holds (the inspection routes read the current state, never a lagging replica). */
  async function tenantValues(): Promise<{
    mailbox: boolean | null;
    userPolicy: string | null;
    orgDefault: string | null;
  }> {
    const tenant = await emulator.inspect.tenant();
    const find = (upn: string) => tenant.recipients.find((r) => r.UserPrincipalName === upn)!;
    return {
      mailbox: find(MAILBOX).SmtpClientAuthenticationDisabled ?? null,
      userPolicy: (find(USER) as { AuthenticationPolicy?: string | null }).AuthenticationPolicy ?? null,
      orgDefault: tenant.organizationConfig.DefaultAuthenticationPolicy,
    };
  }

  test('mailbox override, policy assignment and default policy: apply then plan is empty; set then back to inherit writes', async () => {
    const tf = new TerraformWorkspace(config(true), emulator.providerEnv);
    try {
      await tf.init();
      await emulator.inspect.setReplicationLag(3_000);
      const started = Date.now();

      await tf.apply();
      const set = await tenantValues();
      expect(set.mailbox).toBe(true);
      expect(set.userPolicy).not.toBeNull();
      expect(set.orgDefault).toBe(POLICY);
      await tf.noChanges(); // a new provider process refreshes: no phantom drift

      tf.write(config(false)); // back to inherit: the override removed, the assignment and the default destroyed
      const back = await tf.apply();
      expect(back.stdout).toMatch(/0 added, 1 changed, 2 destroyed/);
      expect(await tenantValues()).toEqual({ mailbox: null, userPolicy: null, orgDefault: null });
      await tf.noChanges();

      tf.write(config(true)); // and set again right away: the reads that decide "already set?" see the clears
      await tf.apply();
      const again = await tenantValues();
      expect(again.mailbox).toBe(true);
      expect(again.userPolicy).not.toBeNull();
      expect(again.orgDefault).toBe(POLICY);
      await tf.noChanges();
      console.log(
        `R6 read-your-writes: 3000 ms replication lag, 3 applies and 3 empty plans over 3 resources; ${Date.now() - started} ms`,
      );
    } finally {
      await emulator.inspect.setReplicationLag(0);
      tf.cleanup();
    }
  });
});
