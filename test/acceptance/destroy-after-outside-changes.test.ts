/**
 * Plan-time errors about what an apply would create or change, after the tenant or the configuration changed since
 * the last apply, end to end with the real terraform and the emulator. Terraform plans the configuration, as for an
 * apply, before every destroy (the pre-destroy refresh); the provider tells that plan from an apply's by the command
 * that started it (src/provider/shared/destroy-command.ts). So `terraform plan` keeps failing with each error, and
 * plain `terraform destroy` succeeds, destroys what is in the state and leaves what was made outside alone:
 * - a policy name taken again outside Terraform (deleted and made again under the name by another admin);
 * - one mailbox set to different values by an exchangeonline_mailbox_smtp_auth and a list, after a configuration edit;
 * - a policy in use renamed in the configuration (a replacement the plan refuses; the destroy has its own check);
 * - `allow_legacy_tls_clients = true` written into the configuration of a tenant in GCC High, which has no
 *   legacy-TLS endpoint (the provider's `environment`).
 * And, in a tenant seeded with two mailboxes that one identity names, a mailbox override and a policy assignment
 * added to the configuration with that identity.
 * The missing-object cases (a mailbox, user or policy deleted outside) are in vanished-objects.test.ts.
 */
import { TerraformWorkspace, flatOutput, mainTf, type RunResult } from '../support/terraform';
import { DEMO_TENANT, startTestEmulator, type TestEmulator } from '../support/emulator';

/** The summaries of one kind of diagnostic ("Error" or "Warning"), each up to the " with <address>" line. */
function summaries(result: RunResult, kind: 'Error' | 'Warning'): string[] {
  return flatOutput(result)
    .split(`${kind}: `)
    .slice(1)
    .map((part) => part.slice(0, part.indexOf(' with exchangeonline_')))
    .sort();
}

const policies = (scannersName: string): string => `resource "exchangeonline_authentication_policy" "legacy" {
  name                  = "Legacy SMTP"
  allow_basic_auth_smtp = true
}
resource "exchangeonline_authentication_policy" "scanners" {
  name                  = "${scannersName}"
  allow_basic_auth_smtp = true
}
resource "exchangeonline_authentication_policy_assignment" "scanner" {
  user                  = "scanner@contoso.com"
  authentication_policy = exchangeonline_authentication_policy.scanners.name
}
`;

const transport = (legacyTls: boolean): string => `resource "exchangeonline_transport_config" "org" {
  smtp_client_authentication_disabled = false
  allow_legacy_tls_clients            = ${legacyTls}
  restore_on_destroy                  = true
}
`;

const mailboxes = (listed: string): string => `resource "exchangeonline_mailbox_smtp_auth" "sean" {
  identity                            = "sean@contoso.com"
  smtp_client_authentication_disabled = true
}
resource "exchangeonline_mailbox_smtp_auth_list" "allowed" {
  identities                          = { ${listed} }
  smtp_client_authentication_disabled = false
}
`;

describe('plain `terraform destroy` after outside changes that fail an apply’s plan', () => {
  let emulator: TestEmulator;
  beforeEach(async () => {
    emulator = await startTestEmulator();
  });
  afterEach(async () => {
    await emulator.stop();
  });

  test('a policy name taken outside, a mailbox set twice, a policy in use renamed, legacy TLS in GCC High: plan fails, destroy works', async () => {
    const tf = new TerraformWorkspace(
      mainTf(policies('Scanners') + mailboxes('"chris@contoso.com" = ""') + transport(false)),
      { ...emulator.providerEnv, EXO_BRIDGE: 'rest', EXO_ENVIRONMENT: 'O365USGovGCCHigh' },
    );
    const orgSmtpAuthDisabled = async () =>
      (await emulator.inspect.tenant()).transportConfig.SmtpClientAuthenticationDisabled;
    const found = await orgSmtpAuthDisabled();
    try {
      await tf.init();
      await tf.apply();
      expect(await orgSmtpAuthDisabled()).toBe(!found);

      // Another admin deletes the managed policy and makes one again under its name (a new object, another GUID).
      await emulator.inspect.invoke('Remove-AuthenticationPolicy', { Identity: 'Legacy SMTP' });
      await emulator.inspect.invoke('New-AuthenticationPolicy', { Name: 'Legacy SMTP', AllowBasicAuthPop: true });
      const outside = await emulator.inspect.authenticationPolicy('Legacy SMTP');
      expect(outside).toMatchObject({ AllowBasicAuthPop: true, AllowBasicAuthSmtp: false });
      // The configuration is edited: sean is also listed with the other value, the assigned policy is renamed, and
      // legacy TLS clients are allowed.
      tf.write(
        mainTf(
          policies('Scanners 2026') +
            mailboxes('"chris@contoso.com" = "", "sean@contoso.com" = "also here"') +
            transport(true),
        ),
      );

      // An apply's plan fails exactly as before, with each error naming the setting and the fix.
      const planned = await tf.run(['plan', '-no-color', '-input=false']);
      expect(planned.code).toBe(1);
      expect(summaries(planned, 'Error')).toEqual([
        'Authentication policy "Legacy SMTP" already exists',
        'Authentication policy "Scanners" is in use and cannot be replaced',
        'Legacy TLS clients are not available in Microsoft 365 GCC High',
        'Mailbox "sean@contoso.com" is managed twice with different values',
      ]);
      const text = flatOutput(planned);
      expect(text).toContain('Import it instead of creating it, with an `import` block (`id = "Legacy SMTP"`)');
      expect(text).toContain('Manage each mailbox in one resource only (remove it from one of them).');
      expect(text).toContain('set `detach_on_destroy = true` on this resource and apply');
      expect(text).toContain('Set allow_legacy_tls_clients = false (or leave it out)');
      expect(text).not.toContain('This does not stop the destroy');

      // Plain destroy: no flag. It removes what is in the state, and nothing made outside Terraform.
      const destroyed = await tf.expect(['destroy', '-no-color', '-input=false', '-auto-approve']);
      expect(flatOutput(destroyed)).not.toMatch(/Error:/);
      expect(flatOutput(destroyed)).toMatch(/Destroy complete! Resources: 5 destroyed/);
      expect(tf.stateResources().filter((r) => r.instances.length > 0)).toEqual([]);
      expect(await emulator.inspect.authenticationPolicy('Legacy SMTP')).toEqual(outside);
      expect(await emulator.inspect.authenticationPolicy('Scanners')).toBeUndefined();
      expect((await emulator.inspect.recipient('scanner@contoso.com')).AuthenticationPolicy).toBeNull();
      expect((await emulator.inspect.recipient('sean@contoso.com')).SmtpClientAuthenticationDisabled).toBeNull();
      expect((await emulator.inspect.recipient('chris@contoso.com')).SmtpClientAuthenticationDisabled).toBeNull();
      // restore_on_destroy put back what the first apply found.
      expect(await orgSmtpAuthDisabled()).toBe(found);
      // Terraform shows nothing of the plan it makes before a destroy unless that plan fails, so the warnings each
      // error became there are checked in test/provider/shared/destroy-command.test.ts.
    } finally {
      tf.cleanup();
    }
  });
});

/** Two mailboxes that the identity "helpdesk" names: one by its name, the other by its alias. */
const AMBIGUOUS_SEED = {
  tenants: [
    {
      domain: DEMO_TENANT,
      mailboxes: [
        { upn: 'sean@contoso.onmicrosoft.com' },
        { upn: 'terry@contoso.onmicrosoft.com', name: 'helpdesk' },
        { upn: 'helpdesk@contoso.onmicrosoft.com', name: 'Help Desk' },
      ],
      authenticationPolicies: ['Block Basic'],
    },
  ],
};

describe('plain `terraform destroy` with a new identity that names several objects', () => {
  let emulator: TestEmulator;
  beforeEach(async () => {
    emulator = await startTestEmulator({ seed: AMBIGUOUS_SEED });
  });
  afterEach(async () => {
    await emulator.stop();
  });

  test('a mailbox override and a policy assignment for it: plan fails, destroy works', async () => {
    const sean = `resource "exchangeonline_mailbox_smtp_auth" "sean" {
  identity                            = "sean@contoso.onmicrosoft.com"
  smtp_client_authentication_disabled = true
}
`;
    const tf = new TerraformWorkspace(mainTf(sean), { ...emulator.providerEnv, EXO_BRIDGE: 'rest' });
    try {
      await tf.init();
      await tf.apply();
      tf.write(
        mainTf(`${sean}resource "exchangeonline_mailbox_smtp_auth" "helpdesk" {
  identity                            = "helpdesk"
  smtp_client_authentication_disabled = false
}
resource "exchangeonline_authentication_policy_assignment" "helpdesk" {
  user                  = "helpdesk"
  authentication_policy = "Block Basic"
}
`),
      );

      const planned = await tf.run(['plan', '-no-color', '-input=false']);
      expect(planned.code).toBe(1);
      expect(summaries(planned, 'Error')).toEqual([
        'Mailbox identity "helpdesk" matches 2 mailboxes',
        'User identity "helpdesk" matches 2 users',
      ]);
      expect(flatOutput(planned)).toContain('Use a unique identity: the user principal name');

      const destroyed = await tf.expect(['destroy', '-no-color', '-input=false', '-auto-approve']);
      expect(flatOutput(destroyed)).not.toMatch(/Error:/);
      expect(flatOutput(destroyed)).toMatch(/Destroy complete! Resources: 1 destroyed/);
      const setting = async (upn: string) => (await emulator.inspect.recipient(upn)).SmtpClientAuthenticationDisabled;
      expect(await setting('sean@contoso.onmicrosoft.com')).toBeNull();
      for (const upn of ['terry@contoso.onmicrosoft.com', 'helpdesk@contoso.onmicrosoft.com']) {
        expect(await setting(upn)).toBeNull();
        expect((await emulator.inspect.recipient(upn)).AuthenticationPolicy).toBeNull();
      }
    } finally {
      tf.cleanup();
    }
  });
});
