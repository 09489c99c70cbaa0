import { DEMO_TENANT_ID } from '../../src/emulator';
import { DEMO, TestEmulator } from './helpers';

describe('Get-/Set-TransportConfig', () => {
  let emu: TestEmulator;
  beforeAll(async () => {
    emu = await TestEmulator.start();
  });
  afterAll(() => emu.close());
  beforeEach(() => emu.emulator.control.reset());

  const read = async (tenant = DEMO) => {
    const answer = await emu.invoke(tenant, 'Get-TransportConfig');
    expect(answer.status).toBe(200);
    expect(answer.body.value).toHaveLength(1);
    return answer.body.value[0];
  };

  it('returns the defaults of a tenant created after January 2020', async () => {
    const answer = await emu.invoke(DEMO, 'Get-TransportConfig');
    expect(answer.body['@odata.context']).toBe(
      `${emu.url}/adminapi/beta/${DEMO}/$metadata#Collection(Exchange.GenericHashTable)`,
    );
    expect(answer.body['@odata.nextLink']).toBeUndefined();
    expect(answer.body['@adminapi.warnings']).toBeUndefined();
    const row = answer.body.value[0];
    expect(row).toMatchObject({
      Identity: 'contoso.onmicrosoft.com\\Transport Settings',
      Name: 'Transport Settings',
      SmtpClientAuthenticationDisabled: true,
      AllowLegacyTLSClients: null,
      MaxSendSize: 'Unlimited',
    });
    expect(Object.keys(row).length).toBeGreaterThan(10);
  });

  it('Set-TransportConfig changes the values, answers value: [] and bumps the tenant revision', async () => {
    const set = await emu.invoke(DEMO, 'Set-TransportConfig', {
      SmtpClientAuthenticationDisabled: false,
      AllowLegacyTLSClients: true,
    });
    expect(set.status).toBe(200);
    expect(set.body.value).toEqual([]);
    expect(set.body['@adminapi.warnings']).toBeUndefined();
    expect(await read()).toMatchObject({ SmtpClientAuthenticationDisabled: false, AllowLegacyTLSClients: true });
    expect(emu.emulator.tenants()[0]!.revision).toBe(1);
  });

  it('accepts null for AllowLegacyTLSClients (not set) and reads it back as null', async () => {
    await emu.invoke(DEMO, 'Set-TransportConfig', { AllowLegacyTLSClients: true });
    const cleared = await emu.invoke(DEMO, 'Set-TransportConfig', { AllowLegacyTLSClients: null });
    expect(cleared.status).toBe(200);
    expect((await read()).AllowLegacyTLSClients).toBeNull();
  });

  it('rejects null for SmtpClientAuthenticationDisabled with the PowerShell transformation error', async () => {
    const answer = await emu.invoke(DEMO, 'Set-TransportConfig', { SmtpClientAuthenticationDisabled: null });
    expect(answer.status).toBe(400);
    expect(answer.body.error.code).toBe('BadRequest');
    expect(answer.body.error.details[0].message).toBe(
      'ParameterArgumentTransformationError|System.Management.Automation.ParameterBindingArgumentTransformationException|' +
        'Cannot process argument transformation on parameter \'SmtpClientAuthenticationDisabled\'. Cannot convert value "" to type ' +
        '"System.Boolean". Boolean parameters accept only Boolean values and numbers, such as $True, $False, 1 or 0.',
    );
    expect((await read()).SmtpClientAuthenticationDisabled).toBe(true);
  });

  it('rejects a string for a Boolean parameter but accepts numbers like PowerShell', async () => {
    const text = await emu.invoke(DEMO, 'Set-TransportConfig', { SmtpClientAuthenticationDisabled: 'false' });
    expect(text.status).toBe(400);
    expect(text.body.error.details[0].message).toContain(
      'Cannot process argument transformation on parameter \'SmtpClientAuthenticationDisabled\'. Cannot convert value "System.String" to type "System.Boolean"',
    );
    const number = await emu.invoke(DEMO, 'Set-TransportConfig', { SmtpClientAuthenticationDisabled: 0 });
    expect(number.status).toBe(200);
    expect((await read()).SmtpClientAuthenticationDisabled).toBe(false);
  });

  it('rejects unknown parameters, and says so when the real cmdlet has a parameter the emulator does not model', async () => {
    const unknown = await emu.invoke(DEMO, 'Set-TransportConfig', { SmtpClientAuthDisabled: true });
    expect(unknown.status).toBe(400);
    expect(unknown.body.error.details[0].message).toBe(
      "NamedParameterNotFound|System.Management.Automation.ParameterBindingException|A parameter cannot be found that matches parameter name 'SmtpClientAuthDisabled'.",
    );
    const unmodelled = await emu.invoke(DEMO, 'Set-TransportConfig', { MaxRecipientEnvelopeLimit: 500 });
    expect(unmodelled.status).toBe(400);
    expect(unmodelled.body.error.details[0].message).toContain(
      "A parameter cannot be found that matches parameter name 'MaxRecipientEnvelopeLimit'.",
    );
    expect(unmodelled.body.error.details[0].message).toContain('does not model it');
  });

  it('matches cmdlet and parameter names case-insensitively, but refuses one parameter given twice', async () => {
    const answer = await emu.invoke(DEMO, 'set-transportconfig', { smtpclientauthenticationdisabled: false });
    expect(answer.status).toBe(200);
    expect((await read()).SmtpClientAuthenticationDisabled).toBe(false);
    const twice = await emu.invoke(DEMO, 'Set-TransportConfig', {
      SmtpClientAuthenticationDisabled: true,
      smtpClientAuthenticationDisabled: false,
    });
    expect(twice.status).toBe(400);
    expect(twice.body.error.details[0].message).toContain(
      "parameter 'SmtpClientAuthenticationDisabled' is specified more than once",
    );
  });

  it('ignores -Identity, like the real cmdlet, and accepts common parameters', async () => {
    // The catalog's Set-TransportConfig has no -Identity.
    expect(
      (await emu.invoke(DEMO, 'Set-TransportConfig', { Identity: 'whatever', SmtpClientAuthenticationDisabled: false }))
        .status,
    ).toBe(400);
    const answer = await emu.invoke(DEMO, 'Set-TransportConfig', {
      SmtpClientAuthenticationDisabled: false,
      ErrorAction: 'Stop',
      Confirm: false,
    });
    expect(answer.status).toBe(200);
    expect((await read()).SmtpClientAuthenticationDisabled).toBe(false);
  });

  it('warns when a Set changes nothing and writes nothing', async () => {
    const answer = await emu.invoke(DEMO, 'Set-TransportConfig', { SmtpClientAuthenticationDisabled: true });
    expect(answer.status).toBe(200);
    expect(answer.body['@adminapi.warnings']).toEqual([
      "The command completed successfully but no settings of 'contoso.onmicrosoft.com\\Transport Settings' have been modified.",
    ]);
    expect(emu.emulator.tenants()[0]!.revision).toBe(0);
  });

  it('changes nothing with -WhatIf', async () => {
    await emu.invoke(DEMO, 'Set-TransportConfig', { SmtpClientAuthenticationDisabled: false, WhatIf: true });
    expect((await read()).SmtpClientAuthenticationDisabled).toBe(true);
  });

  it('addresses the tenant by any domain or the tenant id, case-insensitively and percent-encoded', async () => {
    await emu.invoke('CONTOSO.com', 'Set-TransportConfig', { SmtpClientAuthenticationDisabled: false });
    expect((await read(DEMO_TENANT_ID)).SmtpClientAuthenticationDisabled).toBe(false);
    expect((await read(DEMO_TENANT_ID.toUpperCase())).SmtpClientAuthenticationDisabled).toBe(false);
    const encoded = await fetch(`${emu.url}/adminapi/beta/contoso%2Ecom/InvokeCommand`, {
      method: 'POST',
      headers: { authorization: 'Bearer test-token-0123456789' },
      body: JSON.stringify({ CmdletInput: { CmdletName: 'Get-TransportConfig' } }),
    });
    expect(encoded.status).toBe(200);
  });

  it('keeps WhenChangedUTC in the Exchange format and updates it on change', async () => {
    const before = (await read()).WhenChangedUTC;
    await emu.invoke(DEMO, 'Set-TransportConfig', { AllowLegacyTLSClients: false });
    const after = (await read()).WhenChangedUTC;
    expect(after).not.toBe(before);
    expect(after).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{7}Z$/);
  });
});
