import { BASIC_AUTH_SWITCHES } from '../../src/emulator/model';
import { DEMO, TestEmulator } from './helpers';

const allFalse = Object.fromEntries(BASIC_AUTH_SWITCHES.map((s) => [s, false]));

describe('authentication policy cmdlets', () => {
  let emu: TestEmulator;
  beforeAll(async () => {
    emu = await TestEmulator.start();
  });
  afterAll(() => emu.close());
  beforeEach(() => emu.inspect('POST', 'reset'));
  const get = (identity?: unknown): Promise<any> =>
    emu.invoke(DEMO, 'Get-AuthenticationPolicy', identity === undefined ? {} : { Identity: identity });

  it('New- creates a policy with every switch false unless given, and returns it', async () => {
    const created = await emu.invoke(DEMO, 'New-AuthenticationPolicy', { Name: 'Block Basic Auth' });
    expect(created.status).toBe(200);
    const row = created.body.value[0];
    expect(row).toMatchObject({ Name: 'Block Basic Auth', Identity: 'Block Basic Auth', ...allFalse });
    expect(row.Guid).toMatch(/^[0-9a-f-]{36}$/);
    expect(row.DistinguishedName).toMatch(
      /^CN=Block Basic Auth,CN=Auth Policies,CN=Configuration,CN=contoso\.onmicrosoft\.com,CN=ConfigurationUnits,/,
    );
    expect(typeof row.WhenChanged).toBe('string');
    expect(Object.keys(row)).toEqual(expect.arrayContaining([...BASIC_AUTH_SWITCHES]));
    const smtp = await emu.invoke(DEMO, 'New-AuthenticationPolicy', {
      Name: 'Printers',
      AllowBasicAuthSmtp: true,
      AllowBasicAuthPop: false,
    });
    expect(smtp.body.value[0]).toMatchObject({ ...allFalse, AllowBasicAuthSmtp: true });
    expect(emu.emulator.tenants()[0]!.authenticationPolicies).toBe(2);
  });

  it('New- refuses a duplicate name (case-insensitive), names over 64 characters, and an empty or missing name', async () => {
    await emu.invoke(DEMO, 'New-AuthenticationPolicy', { Name: 'Block Basic Auth' });
    const duplicate = await emu.invoke(DEMO, 'New-AuthenticationPolicy', { Name: 'block basic auth' });
    expect(duplicate.status).toBe(400);
    expect(duplicate.body.error.details[0].message).toMatch(
      /^\|Microsoft\.Exchange\.Data\.Directory\.ADObjectAlreadyExistsException\|Active Directory operation failed on .*\. The object 'CN=Block Basic Auth,CN=Auth Policies,.*' already exists\.$/,
    );
    expect((await emu.invoke(DEMO, 'New-AuthenticationPolicy', { Name: 'x'.repeat(64) })).status).toBe(200);
    const long = await emu.invoke(DEMO, 'New-AuthenticationPolicy', { Name: 'y'.repeat(65) });
    expect(long.status).toBe(400);
    expect(long.body.error.details[0].message).toContain('The character length of the 65 argument is too long');
    expect((await emu.invoke(DEMO, 'New-AuthenticationPolicy', { Name: '' })).status).toBe(400);
    expect((await emu.invoke(DEMO, 'New-AuthenticationPolicy', {})).body.error.details[0].message).toContain(
      'missing mandatory parameters: Name',
    );
    const onPrem = await emu.invoke(DEMO, 'New-AuthenticationPolicy', { Name: 'Legacy', BlockLegacyAuthSmtp: true });
    expect(onPrem.body.error.details[0].message).toContain(
      "A parameter cannot be found that matches parameter name 'BlockLegacyAuthSmtp'.",
    );
    expect(emu.emulator.tenants()[0]!.authenticationPolicies).toBe(2);
  });

  it('Get- finds a policy by name, DN or GUID; 404 for an unknown one; returns ALL for no, null or empty -Identity (the pitfall)', async () => {
    const a = (await emu.invoke(DEMO, 'New-AuthenticationPolicy', { Name: 'A' })).body.value[0];
    await emu.invoke(DEMO, 'New-AuthenticationPolicy', { Name: 'B' });
    for (const identity of ['A', 'a', a.DistinguishedName, a.Guid, `{${a.Guid.toUpperCase()}}`]) {
      const answer = await get(identity);
      expect([identity, answer.body.value.map((p: any) => p.Guid)]).toEqual([identity, [a.Guid]]);
    }
    for (const identity of [undefined, null, '', ' '])
      expect((await get(identity)).body.value.map((p: any) => p.Name)).toEqual(['A', 'B']);
    const missing = await get('C');
    expect(missing.status).toBe(404);
    expect(missing.body.error.details[0].message).toContain(
      "ManagementObjectNotFoundException|The operation couldn't be performed because object 'C' couldn't be found",
    );
  });

  it('Set- changes switches (true and false) in place, keeps name and GUID, warns when nothing changes; cannot rename', async () => {
    const created = (await emu.invoke(DEMO, 'New-AuthenticationPolicy', { Name: 'P', AllowBasicAuthImap: true })).body
      .value[0];
    const answer = await emu.invoke(DEMO, 'Set-AuthenticationPolicy', {
      Identity: created.DistinguishedName,
      AllowBasicAuthSmtp: true,
      AllowBasicAuthImap: false,
    });
    expect(answer.status).toBe(200);
    expect(answer.body.value).toEqual([]);
    const row = (await get('P')).body.value[0];
    expect(row).toMatchObject({ ...allFalse, AllowBasicAuthSmtp: true, Guid: created.Guid, Name: 'P' });
    const same = await emu.invoke(DEMO, 'Set-AuthenticationPolicy', { Identity: 'P', AllowBasicAuthSmtp: true });
    expect(same.body['@adminapi.warnings']).toEqual([
      "The command completed successfully but no settings of 'P' have been modified.",
    ]);
    const rename = await emu.invoke(DEMO, 'Set-AuthenticationPolicy', { Identity: 'P', Name: 'Q' });
    expect(rename.status).toBe(400);
    expect(rename.body.error.details[0].message).toContain(
      "A parameter cannot be found that matches parameter name 'Name'.",
    );
    expect(
      (await emu.invoke(DEMO, 'Set-AuthenticationPolicy', { Identity: 'Nope', AllowBasicAuthSmtp: true })).status,
    ).toBe(404);
    expect(
      (await emu.invoke(DEMO, 'Set-AuthenticationPolicy', { Identity: '', AllowBasicAuthSmtp: true })).status,
    ).toBe(400);
    const notBool = await emu.invoke(DEMO, 'Set-AuthenticationPolicy', { Identity: 'P', AllowBasicAuthSmtp: 'yes' });
    expect(notBool.body.error.details[0].message).toContain('System.Management.Automation.SwitchParameter');
  });

  it('the known Set-AuthenticationPolicy service defect can be injected deterministically, and nothing changes', async () => {
    await emu.invoke(DEMO, 'New-AuthenticationPolicy', { Name: 'P' });
    await emu.inspect('POST', 'faults', {
      cmdlet: 'Set-AuthenticationPolicy',
      status: 500,
      message: 'Object reference not set to an instance of an object.',
      times: 2,
    });
    for (let i = 0; i < 2; i++) {
      const answer = await emu.invoke(DEMO, 'Set-AuthenticationPolicy', { Identity: 'P', AllowBasicAuthSmtp: true });
      expect(answer.status).toBe(500);
      expect(answer.body.error).toEqual({
        code: 'InternalServerError',
        message: 'Error executing cmdlet',
        details: [
          {
            code: 'Server',
            target: '',
            message: '|System.NullReferenceException|Object reference not set to an instance of an object.',
          },
        ],
        innererror: {
          message: 'Object reference not set to an instance of an object.',
          type: 'Microsoft.Exchange.Admin.OData.Core.ODataServiceException',
        },
      });
      expect((await get('P')).body.value[0].AllowBasicAuthSmtp).toBe(false);
    }
    expect(
      (await emu.invoke(DEMO, 'Set-AuthenticationPolicy', { Identity: 'P', AllowBasicAuthSmtp: true })).status,
    ).toBe(200);
    expect((await get('P')).body.value[0].AllowBasicAuthSmtp).toBe(true);
    const calls = await emu.inspect('GET', 'calls?cmdlet=Set-AuthenticationPolicy');
    expect(calls.body.calls.map((c: any) => [c.status, c.fault])).toEqual([
      [500, 'f1'],
      [500, 'f1'],
      [200, null],
    ]);
  });

  it('Remove- deletes a policy; a policy deleted and created again is a new object with a new GUID', async () => {
    const first = (await emu.invoke(DEMO, 'New-AuthenticationPolicy', { Name: 'P' })).body.value[0];
    const removed = await emu.invoke(DEMO, 'Remove-AuthenticationPolicy', { Identity: first.Guid, Confirm: false });
    expect(removed.status).toBe(200);
    expect(removed.body.value).toEqual([]);
    expect((await get('P')).status).toBe(404);
    expect((await emu.invoke(DEMO, 'Remove-AuthenticationPolicy', { Identity: 'P' })).status).toBe(404);
    const second = (await emu.invoke(DEMO, 'New-AuthenticationPolicy', { Name: 'P' })).body.value[0];
    expect(second.Guid).not.toBe(first.Guid);
    await emu.invoke(DEMO, 'Remove-AuthenticationPolicy', { Identity: 'P', WhatIf: true });
    expect((await get('P')).status).toBe(200);
  });

  it('Remove- of a policy still assigned and set as org default succeeds and clears those references (documented choice)', async () => {
    await emu.invoke(DEMO, 'New-AuthenticationPolicy', { Name: 'Block Basic Auth' });
    await emu.invoke(DEMO, 'New-AuthenticationPolicy', { Name: 'Other' });
    await emu.invoke(DEMO, 'Set-User', { Identity: 'sean@contoso.com', AuthenticationPolicy: 'Block Basic Auth' });
    await emu.invoke(DEMO, 'Set-User', { Identity: 'jdoe@contoso.com', AuthenticationPolicy: 'Block Basic Auth' });
    await emu.invoke(DEMO, 'Set-User', { Identity: 'chris@contoso.com', AuthenticationPolicy: 'Other' });
    await emu.invoke(DEMO, 'Set-OrganizationConfig', { DefaultAuthenticationPolicy: 'Block Basic Auth' });
    const assigned = await emu.invoke(DEMO, 'Get-User', { Filter: "AuthenticationPolicy -eq 'Block Basic Auth'" });
    expect(assigned.body.value).toHaveLength(2);

    expect((await emu.invoke(DEMO, 'Remove-AuthenticationPolicy', { Identity: 'Block Basic Auth' })).status).toBe(200);
    const users = (await emu.invoke(DEMO, 'Get-User')).body.value;
    expect(
      Object.fromEntries(
        users.filter((u: any) => u.AuthenticationPolicy !== null).map((u: any) => [u.Name, u.AuthenticationPolicy]),
      ),
    ).toEqual({ chris: 'Other' });
    expect((await emu.invoke(DEMO, 'Get-OrganizationConfig')).body.value[0].DefaultAuthenticationPolicy).toBeNull();
    const state = (await emu.inspect('GET', `tenants/${DEMO}`)).body;
    expect(state.authenticationPolicies.map((p: any) => p.Name)).toEqual(['Other']);
  });
});

describe('Get-/Set-OrganizationConfig', () => {
  let emu: TestEmulator;
  beforeAll(async () => {
    emu = await TestEmulator.start({
      seed: {
        tenants: [{ domain: 'contoso.onmicrosoft.com', authenticationPolicies: ['Block Basic Auth', 'Allow SMTP'] }],
      },
    });
  });
  afterAll(() => emu.close());
  beforeEach(() => emu.inspect('POST', 'reset'));
  const read = async (): Promise<any> => (await emu.invoke(DEMO, 'Get-OrganizationConfig')).body.value[0];

  it('returns one row with Name/Identity, DefaultAuthenticationPolicy (null by default) and realistic static properties', async () => {
    const row = await read();
    expect(row).toMatchObject({
      Name: DEMO,
      Identity: DEMO,
      DisplayName: 'Contoso',
      DefaultAuthenticationPolicy: null,
      OAuth2ClientProfileEnabled: true,
      IsDehydrated: false,
    });
    expect(row.Guid).toMatch(/^[0-9a-f-]{36}$/);
    expect((await emu.invoke(DEMO, 'Get-OrganizationConfig')).body.value).toHaveLength(1);
    expect((await emu.invoke(DEMO, 'Get-OrganizationConfig', { Identity: 'whatever' })).status).toBe(400); // no -Identity in the catalog
  });

  it('sets the default by name, DN or GUID (shown by name) and clears it with $null', async () => {
    const policies = (await emu.inspect('GET', `tenants/${DEMO}`)).body.authenticationPolicies;
    const allow = policies.find((p: any) => p.Name === 'Allow SMTP');
    for (const value of ['block basic auth', allow.DistinguishedName, allow.Guid]) {
      const answer = await emu.invoke(DEMO, 'Set-OrganizationConfig', { DefaultAuthenticationPolicy: value });
      expect([value, answer.status, answer.body.value]).toEqual([value, 200, []]);
    }
    expect((await read()).DefaultAuthenticationPolicy).toBe('Allow SMTP');
    const unchanged = await emu.invoke(DEMO, 'Set-OrganizationConfig', { DefaultAuthenticationPolicy: 'Allow SMTP' });
    expect(unchanged.body['@adminapi.warnings']).toEqual([
      `The command completed successfully but no settings of '${DEMO}' have been modified.`,
    ]);
    expect((await emu.invoke(DEMO, 'Set-OrganizationConfig', { DefaultAuthenticationPolicy: null })).status).toBe(200);
    expect((await read()).DefaultAuthenticationPolicy).toBeNull();
    expect((await emu.inspect('GET', `tenants/${DEMO}`)).body.organizationConfig).toEqual({
      DefaultAuthenticationPolicy: null,
    });
  });

  it('answers 404 naming an unknown policy, 400 for an empty one, and keeps the old default', async () => {
    await emu.invoke(DEMO, 'Set-OrganizationConfig', { DefaultAuthenticationPolicy: 'Allow SMTP' });
    const answer = await emu.invoke(DEMO, 'Set-OrganizationConfig', { DefaultAuthenticationPolicy: 'Missing Policy' });
    expect(answer.status).toBe(404);
    expect(answer.body.error.details[0].message).toContain("object 'Missing Policy' couldn't be found");
    expect((await emu.invoke(DEMO, 'Set-OrganizationConfig', { DefaultAuthenticationPolicy: '' })).status).toBe(400);
    expect(
      (await emu.invoke(DEMO, 'Set-OrganizationConfig', { Identity: DEMO, DefaultAuthenticationPolicy: null })).status,
    ).toBe(400);
    expect((await read()).DefaultAuthenticationPolicy).toBe('Allow SMTP');
  });
});
