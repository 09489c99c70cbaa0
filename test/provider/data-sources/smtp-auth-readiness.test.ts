/**
 * data "exchangeonline_smtp_auth_readiness" in process, with SMTP AUTH on for the organization and a default policy
 * that blocks Basic SMTP: a mailbox that inherits is decided by the org default policy, a mailbox exception by its
 * own setting, and the counts follow. The first reading, with SMTP AUTH off for the organization, and the Graph
 * reading run through terraform in test/acceptance/smtp-auth-readiness.test.ts.
 */
import { startTestEmulator, type TestEmulator } from '../../support/emulator';
import { ok, ProviderDriver } from '../../support/provider-driver';

interface Mailbox {
  primary_smtp_address: string;
  smtp_auth_setting: string;
  authentication_policy: string | null;
  effective_smtp_auth: boolean;
  effective_basic_smtp: boolean;
  decided_by: string;
  verdict: string;
}

describe('exchangeonline_smtp_auth_readiness', () => {
  let emulator: TestEmulator;
  let driver: ProviderDriver;
  beforeAll(async () => {
    emulator = await startTestEmulator();
    driver = await ProviderDriver.start({ emulator });
  });
  afterAll(async () => {
    await driver?.stop();
    await emulator?.stop();
  });

  test('SMTP AUTH on for the organization and a default policy: the org default policy decides for mailboxes that inherit', async () => {
    const admin = emulator.inspect;
    // The acceptance test's first tenant ...
    await admin.invoke('New-AuthenticationPolicy', { Name: 'Block Basic' });
    await admin.invoke('New-AuthenticationPolicy', { Name: 'Printers', AllowBasicAuthSmtp: true });
    await admin.invoke('Set-User', { Identity: 'sean@contoso.com', AuthenticationPolicy: 'Block Basic' });
    await admin.invoke('Set-CASMailbox', { Identity: 'sean@contoso.com', SmtpClientAuthenticationDisabled: false });
    await admin.invoke('Set-CASMailbox', { Identity: 'scanner@contoso.com', SmtpClientAuthenticationDisabled: false });
    await admin.invoke('Set-CASMailbox', { Identity: 'chris@contoso.com', SmtpClientAuthenticationDisabled: true });
    // ... then SMTP AUTH on for the organization, and a default policy that blocks Basic SMTP; the printers' policy
    // for the scanner.
    await admin.invoke('Set-TransportConfig', { SmtpClientAuthenticationDisabled: false });
    await admin.invoke('Set-OrganizationConfig', { DefaultAuthenticationPolicy: 'Block Basic' });
    await admin.invoke('Set-User', { Identity: 'scanner@contoso.com', AuthenticationPolicy: 'Printers' });
    await admin.invoke('Set-CASMailbox', { Identity: 'akol@contoso.com', SmtpClientAuthenticationDisabled: true });

    const read = ok(await driver.readDataSource('exchangeonline_smtp_auth_readiness', { read_graph: false }));
    const state = read.state as unknown as {
      default_authentication_policy: string | null;
      summary: Record<string, number>;
      mailboxes: Mailbox[];
    };
    const byAddress = Object.fromEntries(
      state.mailboxes.map((m) => [
        m.primary_smtp_address,
        [
          m.smtp_auth_setting,
          m.authentication_policy,
          m.effective_smtp_auth,
          m.effective_basic_smtp,
          m.decided_by,
          m.verdict,
        ],
      ]),
    );
    expect(state.default_authentication_policy).toBe('Block Basic');
    expect(byAddress['kakers@contoso.com']).toEqual([
      'inherit',
      'Block Basic',
      true,
      false,
      'org-default-policy',
      'ready',
    ]);
    expect(byAddress['scanner@contoso.com']).toEqual(['enabled', 'Printers', true, true, 'mailbox', 'at-risk']);
    expect(byAddress['akol@contoso.com']).toEqual(['disabled', 'Block Basic', false, false, 'mailbox', 'ready']);
    expect(state.summary).toEqual({
      mailboxes: 9,
      effective_smtp_auth: 7,
      effective_basic_smtp: 1,
      breaks: 0,
      at_risk: 1,
      ready: 8,
    });
  });
});
