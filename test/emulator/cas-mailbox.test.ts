import { RESULT_SIZE_EXCEEDED_WARNING } from '../../src/emulator/cmdlets/cas-mailbox-cmdlets';
import { DEMO, TestEmulator, cmdletBody, request } from './helpers';

describe('Get-CASMailbox (read-only)', () => {
  let emu: TestEmulator;
  beforeAll(async () => {
    emu = await TestEmulator.start();
  });
  afterAll(() => emu.close());

  it('returns one mailbox with its SMTP AUTH override (null = inherit)', async () => {
    const answer = await emu.invoke(DEMO, 'Get-CASMailbox', { Identity: 'info@contoso.com' });
    expect(answer.body.value).toHaveLength(1);
    expect(answer.body.value[0]).toMatchObject({
      Name: 'info',
      PrimarySmtpAddress: 'info@contoso.com',
      SmtpClientAuthenticationDisabled: null,
    });
  });

  it('returns EVERY mailbox for an empty or null -Identity, as Exchange does (the documented pitfall)', async () => {
    for (const identity of ['', null]) {
      const answer = await emu.invoke(DEMO, 'Get-CASMailbox', { Identity: identity });
      expect(answer.status).toBe(200);
      expect(answer.body.value).toHaveLength(9);
    }
  });

  it('does not find users without a mailbox', async () => {
    expect((await emu.invoke(DEMO, 'Get-CASMailbox', { Identity: 'jdoe@contoso.com' })).status).toBe(404);
  });

  it('honours a numeric -ResultSize and warns that more results exist', async () => {
    const answer = await emu.invoke(DEMO, 'Get-CASMailbox', { ResultSize: 3 });
    expect(answer.body.value).toHaveLength(3);
    expect(answer.body['@adminapi.warnings']).toEqual([RESULT_SIZE_EXCEEDED_WARNING]);
  });

  it('-Filter: Guid and EmailAddresses -eq comparisons joined by -or select exactly those mailboxes, in one call', async () => {
    const sean = (await emu.invoke(DEMO, 'Get-CASMailbox', { Identity: 'sean@contoso.com' })).body.value[0];
    const filter = `(Guid -eq '${sean.Guid.toUpperCase()}') -or EmailAddresses -eq 'info@contoso.com' -or EmailAddresses -eq "smtp:SEAN@contoso.onmicrosoft.com"`;
    const answer = await emu.invoke(DEMO, 'Get-CASMailbox', { Filter: filter, ResultSize: 'Unlimited' });
    expect(answer.status).toBe(200);
    expect(answer.body.value.map((row: { Name: string }) => row.Name).sort()).toEqual(['info', 'sean']);
  });

  it('-Filter matching nothing answers an empty list, not an error; the Entra object id is not the Guid property', async () => {
    const sean = (await emu.invoke(DEMO, 'Get-CASMailbox', { Identity: 'sean@contoso.com' })).body.value[0];
    for (const filter of [
      "EmailAddresses -eq 'nobody@contoso.com'",
      `Guid -eq '${sean.ExternalDirectoryObjectId}'`,
      "EmailAddresses -eq 'jdoe@contoso.com'",
    ]) {
      const answer = await emu.invoke(DEMO, 'Get-CASMailbox', { Filter: filter });
      expect(answer.status).toBe(200);
      expect(answer.body.value).toEqual([]);
    }
  });

  it('-Filter with -Identity keeps only the mailboxes both select', async () => {
    const both = await emu.invoke(DEMO, 'Get-CASMailbox', {
      Identity: 'sean',
      Filter: "EmailAddresses -eq 'sean@contoso.com' -or EmailAddresses -eq 'info@contoso.com'",
    });
    expect(both.body.value.map((row: { Name: string }) => row.Name)).toEqual(['sean']);
  });

  it('refuses -Filter forms it does not evaluate with a 400 that names the supported form, instead of guessing', async () => {
    for (const filter of [
      "Name -like 's*'",
      "Guid -ne 'x'",
      "Guid -eq 'a' -and Guid -eq 'b'",
      "Guid -eq 'a' -or",
      "(Guid -eq 'a'",
      'Guid -eq a',
      "Guid -eq 'a",
    ]) {
      const answer = await emu.invoke(DEMO, 'Get-CASMailbox', { Filter: filter });
      expect(answer.status).toBe(400);
      expect(answer.body.error.details[0].message).toContain('Invalid filter syntax');
      expect(answer.body.error.details[0].message).toContain('src/emulator/FIDELITY.md');
    }
  });
});

describe('Get-CASMailbox rows, $select and the cmdlets the endpoint does not serve', () => {
  let emu: TestEmulator;
  beforeAll(async () => {
    emu = await TestEmulator.start();
  });
  afterAll(() => emu.close());
  beforeEach(() => emu.inspect('POST', 'reset'));
  const invokeUrl = (query = ''): string => `${emu.url}/adminapi/beta/${DEMO}/InvokeCommand${query}`;

  it('returns the whole CASMailbox object: the SMTP AUTH override and ~80 properties, but no UserPrincipalName or Alias', async () => {
    const row = (await emu.invoke(DEMO, 'Get-CASMailbox', { Identity: 'sean@contoso.com' })).body.value[0];
    expect(row).toMatchObject({
      Identity: 'sean',
      Name: 'sean',
      PrimarySmtpAddress: 'sean@contoso.com',
      EmailAddresses: ['SMTP:sean@contoso.com', 'smtp:sean@contoso.onmicrosoft.com'],
      SmtpClientAuthenticationDisabled: null,
    });
    expect(row.ExternalDirectoryObjectId).toMatch(/^[0-9a-f-]{36}$/);
    expect(row).not.toHaveProperty('UserPrincipalName');
    expect(row).not.toHaveProperty('Alias');
    expect(Object.keys(row).length).toBeGreaterThanOrEqual(75);
    expect(JSON.stringify(row).length).toBeGreaterThan(3000);
  });

  it('trims rows to $select (case-insensitive, spelled as the object spells them; unknown names left out), on every page', async () => {
    const answer = await request(
      invokeUrl('?$select=guid,PrimarySmtpAddress,SMTPCLIENTAUTHENTICATIONDISABLED,NoSuchProperty'),
      {
        body: cmdletBody('Get-CASMailbox', { ResultSize: 'Unlimited' }),
        headers: { prefer: 'odata.maxpagesize=4' },
      },
    );
    expect(answer.status).toBe(200);
    expect(answer.body.value).toHaveLength(4);
    for (const row of answer.body.value)
      expect(Object.keys(row).sort()).toEqual(['Guid', 'PrimarySmtpAddress', 'SmtpClientAuthenticationDisabled']);
    // The next link keeps $select; the percent-encoded form URLSearchParams would write is the same option.
    expect(answer.body['@odata.nextLink']).toContain(
      '$select=guid,PrimarySmtpAddress,SMTPCLIENTAUTHENTICATIONDISABLED,NoSuchProperty',
    );
    const next = await request(answer.body['@odata.nextLink'], {
      body: cmdletBody('Get-CASMailbox', { ResultSize: 'Unlimited' }),
    });
    for (const row of next.body.value)
      expect(Object.keys(row).sort()).toEqual(['Guid', 'PrimarySmtpAddress', 'SmtpClientAuthenticationDisabled']);
    const encoded = await request(invokeUrl('?%24select=Name%2CGuid'), {
      body: cmdletBody('Get-CASMailbox', { Identity: 'sean' }),
    });
    expect(Object.keys(encoded.body.value[0]).sort()).toEqual(['Guid', 'Name']);
  });

  it("has the server catalog's parameters: no -Properties or -PropertySets; real unmodelled ones answer 400 with a note", async () => {
    const properties = await emu.invoke(DEMO, 'Get-CASMailbox', {
      Identity: 'sean',
      Properties: ['SmtpClientAuthenticationDisabled'],
    });
    expect(properties.status).toBe(400);
    expect(properties.body.error.details[0].message).toContain(
      "A parameter cannot be found that matches parameter name 'Properties'.",
    );
    expect(properties.body.error.details[0].message).not.toContain('does not model it');
    const recipientType = await emu.invoke(DEMO, 'Get-CASMailbox', { RecipientTypeDetails: ['UserMailbox'] });
    expect(recipientType.status).toBe(400);
    expect(recipientType.body.error.details[0].message).toContain('does not model it');
  });

  it('accepts every identity form, the user principal name included (server-side resolution)', async () => {
    const sean = (await emu.inspect('GET', 'tenants/contoso.com')).body.recipients.find(
      (r: any) => r.UserPrincipalName === 'sean@contoso.com',
    );
    for (const identity of [
      'sean',
      'SEAN@contoso.com',
      'sean@contoso.onmicrosoft.com',
      sean.Guid,
      `{${sean.Guid.toUpperCase()}}`,
      sean.ExternalDirectoryObjectId,
      sean.DistinguishedName,
      sean.LegacyExchangeDN,
      'contoso\\sean',
    ]) {
      const answer = await emu.invoke(DEMO, 'Get-CASMailbox', { Identity: identity });
      expect([identity, answer.status, answer.body.value?.[0]?.Guid]).toEqual([identity, 200, sean.Guid]);
    }
  });

  it('answers 404 with ManagementObjectNotFoundException for unknown identities and users without a mailbox', async () => {
    for (const identity of ['nobody@contoso.com', 'jdoe@contoso.com']) {
      const answer = await emu.invoke(DEMO, 'Get-CASMailbox', { Identity: identity });
      expect(answer.status).toBe(404);
      expect(answer.body.error.details[0].message).toMatch(
        new RegExp(
          `^Ex6F9304\\|Microsoft\\.Exchange\\.Configuration\\.Tasks\\.ManagementObjectNotFoundException\\|The operation couldn't be performed because object '${identity}' couldn't be found on`,
        ),
      );
    }
  });

  it('answers Get-EXOCasMailbox, and any cmdlet it does not serve, with 403, an empty body and the reason in x-ms-diagnostics', async () => {
    for (const cmdlet of ['Get-EXOCasMailbox', 'Get-EXOMailbox', 'Get-Nonsense']) {
      const answer = await emu.invoke(DEMO, cmdlet, { Identity: 'sean' });
      expect([cmdlet, answer.status, answer.body]).toEqual([cmdlet, 403, undefined]);
      expect(answer.headers.get('request-id')).toMatch(/^[0-9a-f-]{36}$/);
      expect(answer.headers.get('x-ms-diagnostics')).toContain(`'${cmdlet}'`);
    }
    expect((await emu.invoke(DEMO, 'Get-EXOCasMailbox')).headers.get('x-ms-diagnostics')).toContain(
      'client-side cmdlet of the ExchangeOnlineManagement module',
    );
  });
});

describe('Set-CASMailbox', () => {
  let emu: TestEmulator;
  beforeAll(async () => {
    emu = await TestEmulator.start({
      seed: {
        tenants: [
          {
            domain: 'amb.onmicrosoft.com',
            mailboxes: [
              'a@amb.onmicrosoft.com',
              { upn: 'b@amb.onmicrosoft.com', name: 'twin' },
              { upn: 'twin@amb.onmicrosoft.com', name: 'other' },
              { upn: 'shared@amb.onmicrosoft.com', type: 'SharedMailbox' },
            ],
            users: ['nomailbox@amb.onmicrosoft.com'],
          },
        ],
      },
    });
  });
  afterAll(() => emu.close());
  beforeEach(() => emu.inspect('POST', 'reset'));
  const T = 'amb.onmicrosoft.com';
  const read = async (identity: string): Promise<unknown> =>
    (await emu.invoke(T, 'Get-CASMailbox', { Identity: identity })).body.value[0].SmtpClientAuthenticationDisabled;

  it('sets true, false and null (inherit), answering value: [] and bumping the revision only on a change', async () => {
    for (const value of [true, false, null]) {
      const answer = await emu.invoke(T, 'Set-CASMailbox', {
        Identity: 'a@amb.onmicrosoft.com',
        SmtpClientAuthenticationDisabled: value,
      });
      expect(answer.status).toBe(200);
      expect(answer.body.value).toEqual([]);
      expect(answer.body['@adminapi.warnings']).toBeUndefined();
      expect(await read('a')).toBe(value);
    }
    expect(emu.emulator.tenants()[0]!.revision).toBe(3);
    const again = await emu.invoke(T, 'Set-CASMailbox', { Identity: 'a', SmtpClientAuthenticationDisabled: null });
    expect(again.body['@adminapi.warnings']).toEqual([
      "The command completed successfully but no settings of 'a' have been modified.",
    ]);
    expect(emu.emulator.tenants()[0]!.revision).toBe(3);
  });

  it('works on shared mailboxes and accepts 0/1 like PowerShell; refuses strings', async () => {
    expect(
      (await emu.invoke(T, 'Set-CASMailbox', { Identity: 'shared', SmtpClientAuthenticationDisabled: 0 })).status,
    ).toBe(200);
    expect(await read('shared')).toBe(false);
    const bad = await emu.invoke(T, 'Set-CASMailbox', {
      Identity: 'shared',
      SmtpClientAuthenticationDisabled: 'false',
    });
    expect(bad.status).toBe(400);
    expect(bad.body.error.details[0].message).toContain(
      "Cannot process argument transformation on parameter 'SmtpClientAuthenticationDisabled'",
    );
  });

  it('refuses an ambiguous identity like Exchange, and finds the twin by an unambiguous one', async () => {
    const answer = await emu.invoke(T, 'Set-CASMailbox', { Identity: 'twin', SmtpClientAuthenticationDisabled: false });
    expect(answer.status).toBe(400);
    expect(answer.body.error.details[0].message).toBe(
      "|Microsoft.Exchange.Configuration.Tasks.ManagementObjectAmbiguousException|The operation couldn't be performed because 'twin' matches multiple entries.",
    );
    expect(
      (
        await emu.invoke(T, 'Set-CASMailbox', {
          Identity: 'twin@amb.onmicrosoft.com',
          SmtpClientAuthenticationDisabled: false,
        })
      ).status,
    ).toBe(200);
  });

  it('answers 404 for users without a mailbox and unknown identities; requires -Identity, not empty, not null', async () => {
    for (const identity of ['nomailbox@amb.onmicrosoft.com', 'ghost@amb.onmicrosoft.com']) {
      const answer = await emu.invoke(T, 'Set-CASMailbox', {
        Identity: identity,
        SmtpClientAuthenticationDisabled: false,
      });
      expect(answer.status).toBe(404);
      expect(answer.body.error.details[0].message).toContain(`object '${identity}' couldn't be found`);
    }
    const missing = await emu.invoke(T, 'Set-CASMailbox', { SmtpClientAuthenticationDisabled: false });
    expect(missing.body.error.details[0].message).toContain('missing mandatory parameters: Identity');
    const empty = await emu.invoke(T, 'Set-CASMailbox', { Identity: '', SmtpClientAuthenticationDisabled: false });
    expect(empty.status).toBe(400);
    expect(empty.body.error.details[0].message).toBe(
      "ParameterArgumentValidationErrorEmptyStringNotAllowed|System.Management.Automation.ParameterBindingValidationException|Cannot bind argument to parameter 'Identity' because it is an empty string.",
    );
    const nul = await emu.invoke(T, 'Set-CASMailbox', { Identity: null, SmtpClientAuthenticationDisabled: false });
    expect(nul.body.error.details[0].message).toContain(
      "Cannot bind argument to parameter 'Identity' because it is null.",
    );
    const other = await emu.invoke(T, 'Set-CASMailbox', { Identity: 'a', PopEnabled: false });
    expect(other.body.error.details[0].message).toContain('does not model it');
  });

  it('applies each item of a $batch independently', async () => {
    const items = ['a', 'ghost', 'shared'].map((identity, i) => ({
      id: String(i + 1),
      method: 'POST',
      url: 'InvokeCommand',
      body: cmdletBody('Set-CASMailbox', { Identity: identity, SmtpClientAuthenticationDisabled: true }),
    }));
    const answer = await request(`${emu.url}/adminapi/beta/${T}/$batch`, { body: { requests: items } });
    expect(answer.body.responses.map((r: any) => r.status)).toEqual([200, 404, 200]);
    expect([await read('a'), await read('shared')]).toEqual([true, true]);
  });
});
