/**
 * The allow-list configuration shared by the mailbox_smtp_auth_list acceptance tests: the list read from a text
 * file with the provider's mailbox_list function, exclusive.
 */
import type { TestEmulator } from './emulator';
import { REQUIRED_PROVIDERS, TerraformWorkspace } from './terraform';

export const ADDRESS = 'exchangeonline_mailbox_smtp_auth_list.allowed';

export const MAIN_TF = `${REQUIRED_PROVIDERS}
provider "exchangeonline" {}

resource "exchangeonline_mailbox_smtp_auth_list" "allowed" {
  # One mailbox a line; blank lines and # comments are skipped.
  identities                          = provider::exchangeonline::mailbox_list(file("\${path.module}/allow-smtp-auth.txt"))
  smtp_client_authentication_disabled = false
  exclusive                           = true
}
`;

export function files(lines: string[]): Record<string, string> {
  return { 'main.tf': MAIN_TF, 'allow-smtp-auth.txt': ['# Mailboxes that may use SMTP AUTH', ...lines, ''].join('\n') };
}

export type ListState = {
  identities: Record<string, string>;
  out_of_sync: Record<string, string>;
  stray_mailboxes: Record<string, string>;
};

const ALL = [
  'sean@contoso.com',
  'chris@contoso.com',
  'akol@contoso.com',
  'tjohnston@contoso.com',
  'kakers@contoso.com',
  'scanner@contoso.com',
];

/**
 * The list's full lifecycle through the real terraform: create from the file (exclusive: a stray returns to
 * inherit), no-op plan, drift both ways, a member leaving the list, destroy. Run once, under every answer form at
 * once (mailbox-smtp-auth-list-strictest.test.ts): the default forms are each checked at the bridge level
 * (test/bridge/rest/wire-evidence.test.ts) and through terraform by mailbox-smtp-auth-list.test.ts's other cases.
 */
export async function allowListLifecycle(emulator: TestEmulator): Promise<void> {
  // Someone enabled SMTP AUTH for Kim by hand; the allow list does not name her.
  await emulator.inspect.setRecipient('kakers@contoso.com', { SmtpClientAuthenticationDisabled: false });
  const tf = new TerraformWorkspace(files(['sean@contoso.com', 'scanner@contoso.com']), emulator.providerEnv);
  try {
    await tf.init();
    const created = await tf.plan(2);
    const after = created.plan.resource_changes![0].change.after;
    expect(after.identities).toEqual({ 'scanner@contoso.com': '', 'sean@contoso.com': '' });
    // On create these are known after apply: a create that fails for some members records them there (no taint).
    expect(created.plan.resource_changes![0].change.after_unknown).toMatchObject({
      out_of_sync: true,
      stray_mailboxes: true,
    });

    await tf.apply();
    expect(await emulator.inspect.overrides(ALL)).toEqual({
      'sean@contoso.com': false,
      'scanner@contoso.com': false,
      'kakers@contoso.com': null, // exclusive: returned to inherit
      'chris@contoso.com': null,
      'akol@contoso.com': null,
      'tjohnston@contoso.com': null,
    });
    await tf.noChanges();

    // Drift: a listed mailbox loses its setting, an unlisted one gains it. The plan names both.
    await emulator.inspect.setRecipient('sean@contoso.com', { SmtpClientAuthenticationDisabled: null });
    await emulator.inspect.setRecipient('chris@contoso.com', { SmtpClientAuthenticationDisabled: false });
    const drifted = await tf.plan(2);
    const change = drifted.plan.resource_changes![0].change;
    expect(change.before.out_of_sync).toEqual({ 'sean@contoso.com': 'inherit' });
    expect(change.after.out_of_sync).toEqual({});
    expect(change.before.stray_mailboxes).toEqual({ 'chris@contoso.com': 'enabled' });
    expect(change.after.stray_mailboxes).toEqual({});
    expect(drifted.result.stdout).toMatch(/- "sean@contoso.com" = "inherit"/);
    expect(drifted.result.stdout).toMatch(/- "chris@contoso.com" = "enabled"/);
    await tf.apply();
    expect(await emulator.inspect.overrides(['sean@contoso.com', 'chris@contoso.com'])).toEqual({
      'sean@contoso.com': false,
      'chris@contoso.com': null,
    });

    // The scanner leaves the list: it returns to the org setting. Only that mailbox is written.
    tf.write(files(['sean@contoso.com']));
    await emulator.inspect.clearCalls();
    await tf.apply();
    expect(await emulator.inspect.overrides(['sean@contoso.com', 'scanner@contoso.com'])).toEqual({
      'sean@contoso.com': false,
      'scanner@contoso.com': null,
    });
    expect(
      (await emulator.inspect.callsTo('Set-CASMailbox')).map((c) => c.parameters.SmtpClientAuthenticationDisabled),
    ).toEqual([null]);
    await tf.noChanges();

    await tf.destroy();
    expect((await emulator.inspect.recipient('sean@contoso.com')).SmtpClientAuthenticationDisabled).toBeNull();
  } finally {
    tf.cleanup();
  }
}
