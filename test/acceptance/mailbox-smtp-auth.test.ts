/**
 * exchangeonline_mailbox_smtp_auth end to end with the real terraform and the emulator: create (enabled,
 * disabled, inherit), no-op plan, drift, update, import (CLI and import block), destroy back to inherit.
 */
import { REQUIRED_PROVIDERS, TerraformWorkspace } from '../support/terraform';
import { startTestEmulator, type TestEmulator } from '../support/emulator';

const MAILBOXES = ['sean@contoso.com', 'chris@contoso.com', 'akol@contoso.com'];

function config(values: Record<string, boolean | null>): Record<string, string> {
  const blocks = Object.entries(values).map(([upn, value]) => {
    const name = upn.split('@')[0];
    const setting =
      value === null ? '  # no setting: follows the organization' : `  smtp_client_authentication_disabled = ${value}`;
    return `resource "exchangeonline_mailbox_smtp_auth" "${name}" {\n  identity = "${upn}"\n${setting}\n}\n`;
  });
  return { 'main.tf': `${REQUIRED_PROVIDERS}\nprovider "exchangeonline" {}\n\n${blocks.join('\n')}` };
}

describe('exchangeonline_mailbox_smtp_auth', () => {
  let emulator: TestEmulator;
  beforeEach(async () => {
    emulator = await startTestEmulator();
  });
  afterEach(async () => {
    await emulator.stop();
  });

  test('lifecycle: enabled, disabled and inherit; drift; update; destroy returns mailboxes to inherit', async () => {
    await emulator.inspect.setRecipient('akol@contoso.com', { SmtpClientAuthenticationDisabled: false });
    const tf = new TerraformWorkspace(
      config({ 'sean@contoso.com': false, 'chris@contoso.com': true, 'akol@contoso.com': null }),
      emulator.providerEnv,
    );
    try {
      await tf.init();
      const planned = await tf.plan(2);
      expect(planned.plan.resource_changes?.map((c) => c.change.actions[0])).toEqual(['create', 'create', 'create']);
      const sean = planned.plan.resource_changes!.find((c) => c.address.endsWith('.sean'))!;
      expect(sean.change.after).toMatchObject({
        identity: 'sean@contoso.com',
        smtp_client_authentication_disabled: false,
        effective_smtp_auth_enabled: true,
      });
      expect(sean.change.after.guid).toMatch(/^[0-9a-f-]{36}$/); // resolved while planning

      await tf.apply();
      expect(await emulator.inspect.overrides(MAILBOXES)).toEqual({
        'sean@contoso.com': false,
        'chris@contoso.com': true,
        'akol@contoso.com': null,
      });
      expect(await tf.resourceValues('exchangeonline_mailbox_smtp_auth.akol')).toMatchObject({
        smtp_client_authentication_disabled: null,
        effective_smtp_auth_enabled: false, // the demo tenant has SMTP AUTH off org-wide
        primary_smtp_address: 'akol@contoso.com',
      });
      await tf.noChanges();

      await emulator.inspect.setRecipient('sean@contoso.com', { SmtpClientAuthenticationDisabled: null });
      const drifted = await tf.plan(2);
      const change = drifted.plan.resource_changes!.find((c) => c.address.endsWith('.sean'))!;
      expect(change.change.actions).toEqual(['update']);
      expect([
        change.change.before.smtp_client_authentication_disabled,
        change.change.after.smtp_client_authentication_disabled,
      ]).toEqual([null, false]);
      await tf.apply();
      expect((await emulator.inspect.recipient('sean@contoso.com')).SmtpClientAuthenticationDisabled).toBe(false);

      tf.write(config({ 'sean@contoso.com': false, 'chris@contoso.com': null, 'akol@contoso.com': null }));
      await tf.apply();
      expect((await emulator.inspect.recipient('chris@contoso.com')).SmtpClientAuthenticationDisabled).toBeNull();
      await tf.noChanges();

      await tf.destroy();
      expect(await emulator.inspect.overrides(MAILBOXES)).toEqual({
        'sean@contoso.com': null,
        'chris@contoso.com': null,
        'akol@contoso.com': null,
      });
    } finally {
      tf.cleanup();
    }
  });

  test('an inheriting mailbox applied after the organization setting changes reports the new effective value', async () => {
    await emulator.inspect.setTransportConfig({ SmtpClientAuthenticationDisabled: false });
    const tf = new TerraformWorkspace(
      {
        'main.tf': `${REQUIRED_PROVIDERS}
provider "exchangeonline" {}
# Applied before the organization change, so this provider process reads the organization value first.
resource "exchangeonline_mailbox_smtp_auth" "early" {
  identity = "chris@contoso.com"
}
resource "exchangeonline_transport_config" "org" {
  smtp_client_authentication_disabled = true
  depends_on                          = [exchangeonline_mailbox_smtp_auth.early]
}
resource "exchangeonline_mailbox_smtp_auth" "after" {
  identity   = "sean@contoso.com"
  depends_on = [exchangeonline_transport_config.org]
}
`,
      },
      emulator.providerEnv,
    );
    try {
      await tf.init();
      await tf.apply();
      expect((await tf.resourceValues('exchangeonline_mailbox_smtp_auth.after')).effective_smtp_auth_enabled).toBe(
        false,
      );
      await tf.noChanges();
    } finally {
      tf.cleanup();
    }
  });

  test('a misspelled mailbox fails the plan and names the attribute', async () => {
    const tf = new TerraformWorkspace(config({ 'nobody@contoso.com': false }), emulator.providerEnv);
    try {
      await tf.init();
      const result = await tf.run(['plan', '-no-color', '-input=false']);
      expect(result.code).toBe(1);
      expect(result.stderr).toMatch(/Mailbox "nobody@contoso.com" not found/);
      expect(result.stderr).toMatch(/identity/);
    } finally {
      tf.cleanup();
    }
  });

  test('import by another identity form (CLI), then a no-op plan', async () => {
    await emulator.inspect.setRecipient('kakers@contoso.com', { SmtpClientAuthenticationDisabled: false });
    const guid = (await emulator.inspect.recipient('kakers@contoso.com')).Guid;
    const tf = new TerraformWorkspace(
      {
        'main.tf': `${REQUIRED_PROVIDERS}\nprovider "exchangeonline" {}\nresource "exchangeonline_mailbox_smtp_auth" "kim" {\n  identity = "${guid}"\n  smtp_client_authentication_disabled = false\n}\n`,
      },
      emulator.providerEnv,
    );
    try {
      await tf.init();
      await tf.expect(['import', '-no-color', '-input=false', 'exchangeonline_mailbox_smtp_auth.kim', guid]);
      expect(await tf.resourceValues('exchangeonline_mailbox_smtp_auth.kim')).toMatchObject({
        id: guid.toLowerCase(),
        identity: guid,
        smtp_client_authentication_disabled: false,
        primary_smtp_address: 'kakers@contoso.com',
        effective_smtp_auth_enabled: true,
      });
      await tf.noChanges();
    } finally {
      tf.cleanup();
    }
  });

  test('an import block with -generate-config-out produces a complete resource', async () => {
    await emulator.inspect.setRecipient('tjohnston@contoso.com', { SmtpClientAuthenticationDisabled: true });
    const tf = new TerraformWorkspace(
      {
        'main.tf': `${REQUIRED_PROVIDERS}\nprovider "exchangeonline" {}\nimport {\n  to = exchangeonline_mailbox_smtp_auth.terry\n  id = "tjohnston@contoso.com"\n}\n`,
      },
      emulator.providerEnv,
    );
    try {
      await tf.init();
      await tf.changes(['-generate-config-out=generated.tf']);
      const generated = tf.read('generated.tf');
      expect(generated).toMatch(/identity\s*=\s*"tjohnston@contoso.com"/);
      expect(generated).toMatch(/smtp_client_authentication_disabled\s*=\s*true/);
      await tf.apply();
      await tf.noChanges();
      expect((await emulator.inspect.recipient('tjohnston@contoso.com')).SmtpClientAuthenticationDisabled).toBe(true);
    } finally {
      tf.cleanup();
    }
  });
});
