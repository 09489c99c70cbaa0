/**
 * The emulator's December 2026 routes over real HTTP: `POST /_emulator/tenants/:t/switch` flips Basic SMTP AUTH off the
 * way the emulator guesses Microsoft will (FIDELITY.md: its own guess), and `PUT .../unmodelled-properties` feeds a
 * property the emulator does not model into the rows a real client reads through InvokeCommand.
 */
import { DEMO_TENANT, startTestEmulator, type TestEmulator } from '../support/emulator';

describe('the December 2026 switch in the emulator', () => {
  let emulator: TestEmulator;
  beforeAll(async () => {
    emulator = await startTestEmulator();
  });
  afterAll(async () => {
    await emulator.stop();
  });
  const route = (name: string): string => `/_emulator/tenants/${DEMO_TENANT}/${name}`;

  test('the flip: SMTP AUTH off for the org, Basic SMTP off in every policy; mailbox settings stay', async () => {
    const admin = emulator.inspect;
    await admin.invoke('Set-TransportConfig', { SmtpClientAuthenticationDisabled: false });
    await admin.invoke('New-AuthenticationPolicy', {
      Name: 'Printers',
      AllowBasicAuthSmtp: true,
      AllowBasicAuthPop: true,
    });
    await admin.invoke('Set-CASMailbox', { Identity: 'scanner@contoso.com', SmtpClientAuthenticationDisabled: false });

    const organization = await admin.request<{ flip: string; changed: string[] }>('POST', route('switch'), {
      flip: 'organization',
    });
    expect(organization.changed).toEqual(['Get-TransportConfig SmtpClientAuthenticationDisabled: false -> true']);
    expect((await admin.invoke('Get-TransportConfig'))[0]!.SmtpClientAuthenticationDisabled).toBe(true);
    expect((await admin.invoke('Get-AuthenticationPolicy', { Identity: 'Printers' }))[0]!.AllowBasicAuthSmtp).toBe(
      true,
    );

    const policies = await admin.request<{ changed: string[] }>('POST', route('switch'), {
      flip: 'authentication-policies',
    });
    expect(policies.changed).toEqual(['authentication policy Printers AllowBasicAuthSmtp: true -> false']);
    const printers = (await admin.invoke('Get-AuthenticationPolicy', { Identity: 'Printers' }))[0]!;
    expect([printers.AllowBasicAuthSmtp, printers.AllowBasicAuthPop]).toEqual([false, true]); // only SMTP flips
    expect(
      (await admin.invoke('Get-CASMailbox', { Identity: 'scanner@contoso.com' }))[0]!.SmtpClientAuthenticationDisabled,
    ).toBe(false);

    // Flipping again changes nothing, and says so; a bad request names the field and the values it takes.
    expect((await admin.request<{ changed: string[] }>('POST', route('switch'), {})).changed).toEqual([]);
    await expect(admin.request('POST', route('switch'), { flip: 'mailboxes' })).rejects.toThrow(
      /flip: must be .*organization.*authentication-policies.*both/,
    );
  });

  test('an unmodelled property reaches the rows InvokeCommand returns; modelled names, objects refused', async () => {
    const admin = emulator.inspect;
    await admin.request('PUT', route('unmodelled-properties'), {
      'Get-TransportConfig': { SmtpClientBasicAuthenticationRetired: true },
      'Get-AuthenticationPolicy': { AllowOAuthSmtpOnly: false },
    });
    const transport = (await admin.invoke('Get-TransportConfig'))[0]!;
    expect(transport.SmtpClientBasicAuthenticationRetired).toBe(true);
    expect(typeof transport.SmtpClientAuthenticationDisabled).toBe('boolean'); // the modelled property is still there
    const policy = (await admin.invoke('Get-AuthenticationPolicy'))[0]!;
    expect(policy.AllowOAuthSmtpOnly).toBe(false);
    expect((await admin.invoke('Get-OrganizationConfig'))[0]).not.toHaveProperty(
      'SmtpClientBasicAuthenticationRetired',
    );

    await expect(
      admin.request('PUT', route('unmodelled-properties'), {
        'Get-TransportConfig': { SmtpClientAuthenticationDisabled: false },
      }),
    ).rejects.toThrow(/is a property the emulator models/);
    await expect(
      admin.request('PUT', route('unmodelled-properties'), { 'Get-TransportConfig': { Smtp: { nested: 1 } } }),
    ).rejects.toThrow(/must be a string, number, Boolean or null/);
    await expect(admin.request('PUT', route('unmodelled-properties'), { 'Get-Mailbox': {} })).rejects.toThrow(
      /Get-Mailbox/,
    );

    await admin.request('PUT', route('unmodelled-properties'), {});
    expect((await admin.invoke('Get-TransportConfig'))[0]).not.toHaveProperty('SmtpClientBasicAuthenticationRetired');
  });
});
