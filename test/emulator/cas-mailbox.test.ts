import { RESULT_SIZE_EXCEEDED_WARNING } from '../../src/emulator/cmdlets/cas-mailbox';
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
    expect(answer.body.value[0]).toMatchObject({ Name: 'info', PrimarySmtpAddress: 'info@contoso.com', SmtpClientAuthenticationDisabled: null });
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

  it('rejects -Filter as a real parameter the emulator does not model', async () => {
    const answer = await emu.invoke(DEMO, 'Get-CASMailbox', { Filter: "Name -like 's*'" });
    expect(answer.status).toBe(400);
    expect(answer.body.error.details[0].message).toContain('does not model it');
  });
});

const MINIMUM = [
  'ActiveSyncEnabled', 'DisplayName', 'ECPEnabled', 'EmailAddresses', 'EwsEnabled', 'ExchangeVersion', 'Guid', 'Identity',
  'ImapEnabled', 'MAPIEnabled', 'Name', 'OWAEnabled', 'OrganizationId', 'PopEnabled', 'PrimarySmtpAddress', 'ServerLegacyDN',
];

describe('Get-EXOCasMailbox', () => {
  let emu: TestEmulator;
  beforeAll(async () => {
    emu = await TestEmulator.start();
  });
  afterAll(() => emu.close());
  beforeEach(() => emu.inspect('POST', 'reset'));

  it('returns the Minimum property set by default, which does NOT include SmtpClientAuthenticationDisabled', async () => {
    const answer = await emu.invoke(DEMO, 'Get-EXOCasMailbox', { Identity: 'sean@contoso.com' });
    expect(answer.status).toBe(200);
    const row = answer.body.value[0];
    expect(Object.keys(row).sort()).toEqual([...MINIMUM].sort());
    expect(row).toMatchObject({ Identity: 'sean', Name: 'sean', PrimarySmtpAddress: 'sean@contoso.com', EmailAddresses: ['SMTP:sean@contoso.com', 'smtp:sean@contoso.onmicrosoft.com'] });
    expect(row).not.toHaveProperty('SmtpClientAuthenticationDisabled');
    expect(row).not.toHaveProperty('ExternalDirectoryObjectId');
  });

  it('adds the properties asked for with -Properties (case-insensitive, canonical spelling), as a list or one string', async () => {
    await emu.invoke(DEMO, 'Set-CASMailbox', { Identity: 'sean@contoso.com', SmtpClientAuthenticationDisabled: false });
    const answer = await emu.invoke(DEMO, 'Get-EXOCasMailbox', {
      Identity: 'sean@contoso.com', Properties: ['smtpclientauthenticationdisabled', 'UserPrincipalName', 'Alias', 'ExternalDirectoryObjectId'],
    });
    const row = answer.body.value[0];
    expect(row).toMatchObject({ SmtpClientAuthenticationDisabled: false, UserPrincipalName: 'sean@contoso.com', Alias: 'sean' });
    expect(row.ExternalDirectoryObjectId).toMatch(/^[0-9a-f-]{36}$/);
    for (const name of MINIMUM) expect(row).toHaveProperty(name);
    const single = await emu.invoke(DEMO, 'Get-EXOCasMailbox', { Identity: 'chris', Properties: 'SmtpClientAuthenticationDisabled' });
    expect(single.body.value[0].SmtpClientAuthenticationDisabled).toBeNull();
  });

  it('-PropertySets replaces Minimum (ask for it to keep it); All is the union of the sets and still lacks the SMTP AUTH override', async () => {
    const pop = (await emu.invoke(DEMO, 'Get-EXOCasMailbox', { Identity: 'sean', PropertySets: ['Pop'] })).body.value[0];
    expect(Object.keys(pop).sort()).toEqual(['ExternalDirectoryObjectId', 'Guid', 'Identity', 'Name', 'OrganizationId', 'PopEnableExactRFC822Size',
      'PopEnabled', 'PopMessagesRetrievalMimeFormat', 'PopSuppressReadReceipt', 'PopUseProtocolDefaults'].sort());
    const both = (await emu.invoke(DEMO, 'Get-EXOCasMailbox', { Identity: 'sean', PropertySets: ['minimum', 'Pop'] })).body.value[0];
    expect(both).toHaveProperty('PrimarySmtpAddress');
    const all = (await emu.invoke(DEMO, 'Get-EXOCasMailbox', { Identity: 'sean', PropertySets: 'All' })).body.value[0];
    expect(all).toHaveProperty('ExternalSmtpSettings');
    expect(all).not.toHaveProperty('SmtpClientAuthenticationDisabled');
    const allPlus = (await emu.invoke(DEMO, 'Get-EXOCasMailbox', { Identity: 'sean', PropertySets: 'All', Properties: ['SmtpClientAuthenticationDisabled'] })).body.value[0];
    expect(allPlus.SmtpClientAuthenticationDisabled).toBeNull();
  });

  it('rejects unknown properties and property sets with 400', async () => {
    const property = await emu.invoke(DEMO, 'Get-EXOCasMailbox', { Identity: 'sean', Properties: ['SmtpClientAuthDisabled'] });
    expect(property.status).toBe(400);
    expect(property.body.error.details[0].message).toContain("Could not find a property named 'SmtpClientAuthDisabled' on type 'Exchange.CASMailbox'");
    const set = await emu.invoke(DEMO, 'Get-EXOCasMailbox', { Identity: 'sean', PropertySets: ['Everything'] });
    expect(set.status).toBe(400);
    expect(set.body.error.details[0].message).toContain('Unable to match the identifier name Everything to a valid enumerator name');
  });

  it('accepts every identity form, and -UserPrincipalName / -PrimarySmtpAddress / -ExternalDirectoryObjectId (not together with -Identity)', async () => {
    const sean = (await emu.inspect('GET', 'tenants/contoso.com')).body.recipients.find((r: any) => r.UserPrincipalName === 'sean@contoso.com');
    for (const identity of ['sean', 'SEAN@contoso.com', 'sean@contoso.onmicrosoft.com', sean.Guid, `{${sean.Guid.toUpperCase()}}`, sean.ExternalDirectoryObjectId, sean.DistinguishedName, sean.LegacyExchangeDN, 'contoso\\sean']) {
      const answer = await emu.invoke(DEMO, 'Get-EXOCasMailbox', { Identity: identity });
      expect([identity, answer.status, answer.body.value?.[0]?.Guid]).toEqual([identity, 200, sean.Guid]);
    }
    for (const [key, value] of [['UserPrincipalName', 'Sean@Contoso.com'], ['PrimarySmtpAddress', 'sean@contoso.com'], ['ExternalDirectoryObjectId', sean.ExternalDirectoryObjectId]]) {
      const answer = await emu.invoke(DEMO, 'Get-EXOCasMailbox', { [key]: value });
      expect([key, answer.body.value?.[0]?.Guid]).toEqual([key, sean.Guid]);
    }
    expect((await emu.invoke(DEMO, 'Get-EXOCasMailbox', { ExternalDirectoryObjectId: `{${sean.ExternalDirectoryObjectId.toUpperCase()}}` })).status).toBe(200);
    expect((await emu.invoke(DEMO, 'Get-EXOCasMailbox', { ExternalDirectoryObjectId: 'sean' })).body.error.details[0].message).toContain('to type "System.Guid"');
    // -PrimarySmtpAddress is exact: a secondary address is not a primary one.
    expect((await emu.invoke(DEMO, 'Get-EXOCasMailbox', { PrimarySmtpAddress: 'sean@contoso.onmicrosoft.com' })).status).toBe(404);
    const both = await emu.invoke(DEMO, 'Get-EXOCasMailbox', { Identity: 'sean', UserPrincipalName: 'sean@contoso.com' });
    expect(both.status).toBe(400);
    expect(both.body.error.details[0].message).toContain('Parameter set cannot be resolved');
  });

  it('returns EVERY mailbox for an empty or null -Identity (the documented pitfall), 1000 by default with the warning', async () => {
    for (const identity of ['', null, '  ']) {
      const answer = await emu.invoke(DEMO, 'Get-EXOCasMailbox', { Identity: identity });
      expect(answer.status).toBe(200);
      expect(answer.body.value).toHaveLength(9);
    }
    const limited = await emu.invoke(DEMO, 'Get-EXOCasMailbox', { ResultSize: 2 });
    expect(limited.body.value).toHaveLength(2);
    expect(limited.body['@adminapi.warnings']).toEqual([RESULT_SIZE_EXCEEDED_WARNING]);
    expect((await emu.invoke(DEMO, 'Get-EXOCasMailbox', { ResultSize: 'unlimited' })).body['@adminapi.warnings']).toBeUndefined();
  });

  it('answers 404 with ManagementObjectNotFoundException for unknown identities and users without a mailbox', async () => {
    for (const identity of ['nobody@contoso.com', 'jdoe@contoso.com']) {
      const answer = await emu.invoke(DEMO, 'Get-EXOCasMailbox', { Identity: identity });
      expect(answer.status).toBe(404);
      expect(answer.body.error.details[0].message).toMatch(new RegExp(`^Ex6F9304\\|Microsoft\\.Exchange\\.Configuration\\.Tasks\\.ManagementObjectNotFoundException\\|The operation couldn't be performed because object '${identity}' couldn't be found on`));
    }
  });
});

describe('Set-CASMailbox', () => {
  let emu: TestEmulator;
  beforeAll(async () => {
    emu = await TestEmulator.start({
      seed: {
        tenants: [{
          domain: 'amb.onmicrosoft.com',
          mailboxes: ['a@amb.onmicrosoft.com', { upn: 'b@amb.onmicrosoft.com', name: 'twin' }, { upn: 'twin@amb.onmicrosoft.com', name: 'other' }, { upn: 'shared@amb.onmicrosoft.com', type: 'SharedMailbox' }],
          users: ['nomailbox@amb.onmicrosoft.com'],
        }],
      },
    });
  });
  afterAll(() => emu.close());
  beforeEach(() => emu.inspect('POST', 'reset'));
  const T = 'amb.onmicrosoft.com';
  const read = async (identity: string): Promise<unknown> =>
    (await emu.invoke(T, 'Get-EXOCasMailbox', { Identity: identity, Properties: ['SmtpClientAuthenticationDisabled'] })).body.value[0].SmtpClientAuthenticationDisabled;

  it('sets true, false and null (inherit), answering value: [] and bumping the revision only on a change', async () => {
    for (const value of [true, false, null]) {
      const answer = await emu.invoke(T, 'Set-CASMailbox', { Identity: 'a@amb.onmicrosoft.com', SmtpClientAuthenticationDisabled: value });
      expect(answer.status).toBe(200);
      expect(answer.body.value).toEqual([]);
      expect(answer.body['@adminapi.warnings']).toBeUndefined();
      expect(await read('a')).toBe(value);
    }
    expect(emu.emulator.tenants()[0]!.revision).toBe(3);
    const again = await emu.invoke(T, 'Set-CASMailbox', { Identity: 'a', SmtpClientAuthenticationDisabled: null });
    expect(again.body['@adminapi.warnings']).toEqual(["The command completed successfully but no settings of 'a' have been modified."]);
    expect(emu.emulator.tenants()[0]!.revision).toBe(3);
  });

  it('works on shared mailboxes and accepts 0/1 like PowerShell; refuses strings', async () => {
    expect((await emu.invoke(T, 'Set-CASMailbox', { Identity: 'shared', SmtpClientAuthenticationDisabled: 0 })).status).toBe(200);
    expect(await read('shared')).toBe(false);
    const bad = await emu.invoke(T, 'Set-CASMailbox', { Identity: 'shared', SmtpClientAuthenticationDisabled: 'false' });
    expect(bad.status).toBe(400);
    expect(bad.body.error.details[0].message).toContain("Cannot process argument transformation on parameter 'SmtpClientAuthenticationDisabled'");
  });

  it('refuses an ambiguous identity like Exchange, and finds the twin by an unambiguous one', async () => {
    const answer = await emu.invoke(T, 'Set-CASMailbox', { Identity: 'twin', SmtpClientAuthenticationDisabled: false });
    expect(answer.status).toBe(400);
    expect(answer.body.error.details[0].message).toBe("|Microsoft.Exchange.Configuration.Tasks.ManagementObjectAmbiguousException|The operation couldn't be performed because 'twin' matches multiple entries.");
    expect((await emu.invoke(T, 'Set-CASMailbox', { Identity: 'twin@amb.onmicrosoft.com', SmtpClientAuthenticationDisabled: false })).status).toBe(200);
  });

  it('answers 404 for users without a mailbox and unknown identities; requires -Identity, not empty, not null', async () => {
    for (const identity of ['nomailbox@amb.onmicrosoft.com', 'ghost@amb.onmicrosoft.com']) {
      const answer = await emu.invoke(T, 'Set-CASMailbox', { Identity: identity, SmtpClientAuthenticationDisabled: false });
      expect(answer.status).toBe(404);
      expect(answer.body.error.details[0].message).toContain(`object '${identity}' couldn't be found`);
    }
    const missing = await emu.invoke(T, 'Set-CASMailbox', { SmtpClientAuthenticationDisabled: false });
    expect(missing.body.error.details[0].message).toContain('missing mandatory parameters: Identity');
    const empty = await emu.invoke(T, 'Set-CASMailbox', { Identity: '', SmtpClientAuthenticationDisabled: false });
    expect(empty.status).toBe(400);
    expect(empty.body.error.details[0].message).toBe("ParameterArgumentValidationErrorEmptyStringNotAllowed|System.Management.Automation.ParameterBindingValidationException|Cannot bind argument to parameter 'Identity' because it is an empty string.");
    const nul = await emu.invoke(T, 'Set-CASMailbox', { Identity: null, SmtpClientAuthenticationDisabled: false });
    expect(nul.body.error.details[0].message).toContain("Cannot bind argument to parameter 'Identity' because it is null.");
    const other = await emu.invoke(T, 'Set-CASMailbox', { Identity: 'a', PopEnabled: false });
    expect(other.body.error.details[0].message).toContain('does not model it');
  });

  it('applies each item of a $batch independently', async () => {
    const items = ['a', 'ghost', 'shared'].map((identity, i) => ({
      id: String(i + 1), method: 'POST', url: 'InvokeCommand',
      body: cmdletBody('Set-CASMailbox', { Identity: identity, SmtpClientAuthenticationDisabled: true }),
    }));
    const answer = await request(`${emu.url}/adminapi/beta/${T}/$batch`, { body: { requests: items } });
    expect(answer.body.responses.map((r: any) => r.status)).toEqual([200, 404, 200]);
    expect([await read('a'), await read('shared')]).toEqual([true, true]);
  });
});
