/**
 * exchangeonline_mailbox_smtp_auth_list end to end: the seeds' allow list read from a text file, exclusive
 * enforcement, drift, removal back to inherit, partial failure and recovery, import, destroy.
 */
import { REQUIRED_PROVIDERS, TerraformWorkspace } from '../support/terraform';
import { startTestEmulator, type TestEmulator } from '../support/emulator';

const ADDRESS = 'exchangeonline_mailbox_smtp_auth_list.allowed';
const ALL = ['sean@contoso.com', 'chris@contoso.com', 'akol@contoso.com', 'tjohnston@contoso.com', 'kakers@contoso.com', 'scanner@contoso.com'];

const MAIN_TF = `${REQUIRED_PROVIDERS}
provider "exchangeonline" {}

locals {
  # One mailbox a line; blank lines and # comments are skipped.
  allow_list = [for line in split("\\n", file("\${path.module}/allow-smtp-auth.txt")) : trimspace(line) if trimspace(line) != "" && !startswith(trimspace(line), "#")]
}

resource "exchangeonline_mailbox_smtp_auth_list" "allowed" {
  identities                          = toset(local.allow_list)
  smtp_client_authentication_disabled = false
  exclusive                           = true
}
`;

function files(lines: string[]): Record<string, string> {
  return { 'main.tf': MAIN_TF, 'allow-smtp-auth.txt': ['# Mailboxes that may use SMTP AUTH', ...lines, ''].join('\n') };
}

describe('exchangeonline_mailbox_smtp_auth_list', () => {
  let emulator: TestEmulator;
  beforeEach(async () => {
    emulator = await startTestEmulator();
  });
  afterEach(async () => {
    await emulator.stop();
  });

  test('allow list from a text file, exclusive: strays return to inherit, drift shows, removal inherits, destroy clears', async () => {
    // Someone enabled SMTP AUTH for Kim by hand; the allow list does not name her.
    await emulator.inspect.setRecipient('kakers@contoso.com', { SmtpClientAuthenticationDisabled: false });
    const tf = new TerraformWorkspace(files(['sean@contoso.com', 'scanner@contoso.com']), emulator.providerEnv);
    try {
      await tf.init();
      const created = await tf.plan(2);
      const after = created.plan.resource_changes![0].change.after;
      expect(Object.keys(after.mailboxes).sort()).toEqual(['scanner@contoso.com', 'sean@contoso.com']);
      expect(after.mailboxes['sean@contoso.com']).toMatchObject({ primary_smtp_address: 'sean@contoso.com', smtp_client_authentication_disabled: false });
      expect(after.stray_mailboxes).toEqual([]);

      await tf.apply();
      expect(await emulator.inspect.overrides(ALL)).toEqual({
        'sean@contoso.com': false,
        'scanner@contoso.com': false,
        'kakers@contoso.com': null, // exclusive: returned to inherit
        'chris@contoso.com': null,
        'akol@contoso.com': null,
        'tjohnston@contoso.com': null,
      });
      await tf.plan(0);

      // Drift: a listed mailbox loses its setting, an unlisted one gains it.
      await emulator.inspect.setRecipient('sean@contoso.com', { SmtpClientAuthenticationDisabled: null });
      await emulator.inspect.setRecipient('chris@contoso.com', { SmtpClientAuthenticationDisabled: false });
      const drifted = await tf.plan(2);
      const change = drifted.plan.resource_changes![0].change;
      expect(change.before.mailboxes['sean@contoso.com'].smtp_client_authentication_disabled).toBeNull();
      expect(change.after.mailboxes['sean@contoso.com'].smtp_client_authentication_disabled).toBe(false);
      expect(change.before.stray_mailboxes).toEqual(['chris@contoso.com']);
      expect(change.after.stray_mailboxes).toEqual([]);
      await tf.apply();
      expect(await emulator.inspect.overrides(['sean@contoso.com', 'chris@contoso.com'])).toEqual({ 'sean@contoso.com': false, 'chris@contoso.com': null });

      // The scanner leaves the list: it returns to the org setting.
      tf.write(files(['sean@contoso.com']));
      await tf.apply();
      expect(await emulator.inspect.overrides(['sean@contoso.com', 'scanner@contoso.com'])).toEqual({ 'sean@contoso.com': false, 'scanner@contoso.com': null });
      await tf.plan(0);

      await tf.destroy();
      expect((await emulator.inspect.recipient('sean@contoso.com')).SmtpClientAuthenticationDisabled).toBeNull();
    } finally {
      tf.cleanup();
    }
  });

  test('a partial failure records exactly what was applied, reports each failed mailbox, and the next apply finishes', async () => {
    const tf = new TerraformWorkspace(files(['sean@contoso.com', 'chris@contoso.com']), emulator.providerEnv);
    try {
      await tf.init();
      await tf.apply();
      tf.write(files(['sean@contoso.com', 'chris@contoso.com', 'akol@contoso.com', 'tjohnston@contoso.com', 'kakers@contoso.com']));
      // The 2nd Set-CASMailbox of the next apply is refused (not retryable).
      await emulator.inspect.addFault({ cmdlet: 'Set-CASMailbox', nth: 2, times: 1, status: 400, message: 'Simulated rejection of one mailbox.' });
      const failed = await tf.run(['apply', '-no-color', '-input=false', '-auto-approve']);
      expect(failed.code).toBe(1);
      expect(failed.stderr).toMatch(/Could not set SMTP AUTH for/);
      expect((failed.stderr.match(/Could not set SMTP AUTH for/g) ?? []).length).toBe(1);

      const overrides = await emulator.inspect.overrides(['akol@contoso.com', 'tjohnston@contoso.com', 'kakers@contoso.com']);
      const applied = Object.entries(overrides).filter(([, value]) => value === false).map(([upn]) => upn);
      const notApplied = Object.entries(overrides).filter(([, value]) => value === null).map(([upn]) => upn);
      expect([applied.length, notApplied.length]).toEqual([2, 1]);
      // The state says exactly that.
      const state = (await tf.resourceValues(ADDRESS)) as { mailboxes: Record<string, { smtp_client_authentication_disabled: boolean | null }> };
      for (const upn of applied) expect(state.mailboxes[upn].smtp_client_authentication_disabled).toBe(false);
      expect(state.mailboxes[notApplied[0]].smtp_client_authentication_disabled).toBeNull();

      const remaining = await tf.plan(2);
      expect(remaining.plan.resource_changes![0].change.actions).toEqual(['update']);
      await tf.apply();
      expect(await emulator.inspect.overrides([notApplied[0]])).toEqual({ [notApplied[0]]: false });
      await tf.plan(0);
    } finally {
      tf.cleanup();
    }
  });

  test('import "enabled" adopts every explicitly enabled mailbox; generate-config-out writes the list', async () => {
    await emulator.inspect.setRecipient('akol@contoso.com', { SmtpClientAuthenticationDisabled: false });
    await emulator.inspect.setRecipient('scanner@contoso.com', { SmtpClientAuthenticationDisabled: false });
    const tf = new TerraformWorkspace(
      { 'main.tf': `${REQUIRED_PROVIDERS}\nprovider "exchangeonline" {}\nimport {\n  to = ${ADDRESS}\n  id = "enabled"\n}\n` },
      emulator.providerEnv,
    );
    try {
      await tf.init();
      await tf.plan(2, ['-generate-config-out=generated.tf']);
      const generated = tf.read('generated.tf');
      expect(generated).toMatch(/"akol@contoso.com"/);
      expect(generated).toMatch(/"scanner@contoso.com"/);
      expect(generated).toMatch(/smtp_client_authentication_disabled\s*=\s*false/);
      await tf.apply();
      await tf.plan(0);

      const cli = new TerraformWorkspace(
        { 'main.tf': `${REQUIRED_PROVIDERS}\nprovider "exchangeonline" {}\nresource "exchangeonline_mailbox_smtp_auth_list" "allowed" {\n  identities = ["akol@contoso.com", "scanner@contoso.com"]\n  smtp_client_authentication_disabled = false\n}\n` },
        emulator.providerEnv,
      );
      try {
        await cli.init();
        await cli.expect(['import', '-no-color', '-input=false', ADDRESS, 'enabled']);
        expect(await cli.resourceValues(ADDRESS)).toMatchObject({ identities: ['akol@contoso.com', 'scanner@contoso.com'], smtp_client_authentication_disabled: false, exclusive: false });
        await cli.plan(0);
      } finally {
        cli.cleanup();
      }
    } finally {
      tf.cleanup();
    }
  });

  test('bad input: a mailbox listed twice in different case is refused before anything is applied', async () => {
    const tf = new TerraformWorkspace(files(['sean@contoso.com', 'Sean@Contoso.com']), emulator.providerEnv);
    try {
      await tf.init();
      const result = await tf.run(['plan', '-no-color', '-input=false']);
      expect(result.code).toBe(1);
      expect(result.stderr).toMatch(/Mailbox listed twice/);
    } finally {
      tf.cleanup();
    }
  });
});
