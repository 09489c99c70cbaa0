import type { FixtureDocument } from '../../src/emulator';
import { RESULT_SIZE_DEFAULT_WARNING } from '../../src/emulator/cmdlets/cas-mailbox-cmdlets';
import { parseAuthenticationPolicyFilter } from '../../src/emulator/opath';
import { TestEmulator } from './helpers';

const T = 'fabrikam.onmicrosoft.com';
/** A policy name with a quote in it: the filter must escape it as '' (OPATH), and the emulator must unescape it. */
const QUOTED = "O'Brien's printers";
const FIXTURE: FixtureDocument = {
  tenants: [
    {
      domain: T,
      domains: ['fabrikam.com'],
      authenticationPolicies: ['Block Basic Auth', { name: QUOTED, AllowBasicAuthSmtp: true }],
      organizationConfig: { DefaultAuthenticationPolicy: 'Block Basic Auth' },
      mailboxes: [
        { upn: 'alex@fabrikam.com', AuthenticationPolicy: 'Block Basic Auth' },
        { upn: 'printer@fabrikam.com', AuthenticationPolicy: QUOTED },
        { upn: 'scanner@fabrikam.com', AuthenticationPolicy: QUOTED },
        { upn: 'sales@fabrikam.com', type: 'SharedMailbox' },
      ],
      users: [{ upn: 'contractor@fabrikam.com', displayName: 'A Contractor' }],
    },
  ],
};

describe('Get-User', () => {
  let emu: TestEmulator;
  let policies: Record<string, any>;
  beforeAll(async () => {
    emu = await TestEmulator.start({ seed: FIXTURE });
    const state = (await emu.inspect('GET', `tenants/${T}`)).body;
    policies = Object.fromEntries(state.authenticationPolicies.map((p: any) => [p.Name, p]));
  });
  afterAll(() => emu.close());
  beforeEach(() => emu.inspect('POST', 'reset'));
  const upns = (answer: any): string[] => answer.body.value.map((r: any) => r.UserPrincipalName).sort();

  it('lists every user, mailbox or not, with the documented properties; the assigned policy shows by name', async () => {
    const answer = await emu.invoke(T, 'Get-User');
    expect(answer.status).toBe(200);
    expect(upns(answer)).toEqual([
      'alex@fabrikam.com',
      'contractor@fabrikam.com',
      'printer@fabrikam.com',
      'sales@fabrikam.com',
      'scanner@fabrikam.com',
    ]);
    const contractor = answer.body.value.find((r: any) => r.UserPrincipalName === 'contractor@fabrikam.com');
    expect(contractor).toMatchObject({
      Identity: 'contractor',
      Name: 'contractor',
      DisplayName: 'A Contractor',
      RecipientType: 'User',
      RecipientTypeDetails: 'User',
      AuthenticationPolicy: null,
      STSRefreshTokensValidFrom: '2021-06-01T08:00:00.0000000Z',
    });
    for (const key of ['Guid', 'ExternalDirectoryObjectId']) expect(contractor[key]).toMatch(/^[0-9a-f-]{36}$/);
    const printer = answer.body.value.find((r: any) => r.UserPrincipalName === 'printer@fabrikam.com');
    expect(printer).toMatchObject({ RecipientTypeDetails: 'UserMailbox', AuthenticationPolicy: QUOTED });
    expect(answer.body.value.find((r: any) => r.Name === 'sales')).toMatchObject({
      RecipientType: 'UserMailbox',
      RecipientTypeDetails: 'SharedMailbox',
    });
  });

  it('finds one user by any identity form, 404 for an unknown one, and all for an empty identity', async () => {
    const state = (await emu.inspect('GET', `tenants/${T}`)).body;
    const contractor = state.recipients.find((r: any) => r.Name === 'contractor');
    for (const identity of [
      'contractor',
      'CONTRACTOR@fabrikam.com',
      contractor.Guid,
      contractor.ExternalDirectoryObjectId,
      contractor.DistinguishedName,
    ]) {
      const answer = await emu.invoke(T, 'Get-User', { Identity: identity });
      expect([identity, upns(answer)]).toEqual([identity, ['contractor@fabrikam.com']]);
    }
    const missing = await emu.invoke(T, 'Get-User', { Identity: 'ghost@fabrikam.com' });
    expect(missing.status).toBe(404);
    expect(missing.body.error.details[0].message).toContain(
      "ManagementObjectNotFoundException|The operation couldn't be performed because object 'ghost@fabrikam.com' couldn't be found",
    );
    expect((await emu.invoke(T, 'Get-User', { Identity: '' })).body.value).toHaveLength(5);
  });

  it("filters on AuthenticationPolicy -eq '<DN>' (Microsoft's documented form), the name or the GUID, with '' escaping a quote", async () => {
    const quoted = policies[QUOTED];
    const literal = (value: string): string => `'${value.replace(/'/g, "''")}'`;
    for (const value of [quoted.DistinguishedName, QUOTED, quoted.Guid, QUOTED.toUpperCase()]) {
      const answer = await emu.invoke(T, 'Get-User', {
        Filter: `AuthenticationPolicy -eq ${literal(value)}`,
        ResultSize: 'Unlimited',
      });
      expect([value, answer.status, upns(answer)]).toEqual([
        value,
        200,
        ['printer@fabrikam.com', 'scanner@fabrikam.com'],
      ]);
    }
    const block = await emu.invoke(T, 'Get-User', {
      Filter: `AuthenticationPolicy -eq '${policies['Block Basic Auth'].DistinguishedName}'`,
    });
    expect(upns(block)).toEqual(['alex@fabrikam.com']); // the org default is not an assignment
    const doubleQuoted = await emu.invoke(T, 'Get-User', { Filter: `{ (authenticationpolicy -EQ "${QUOTED}") }` });
    expect(upns(doubleQuoted)).toEqual(['printer@fabrikam.com', 'scanner@fabrikam.com']);
  });

  it('supports -ne (which includes users without a policy, as OPATH does) and $null', async () => {
    const ne = await emu.invoke(T, 'Get-User', {
      Filter: `AuthenticationPolicy -ne '${policies['Block Basic Auth'].DistinguishedName}'`,
    });
    expect(upns(ne)).toEqual([
      'contractor@fabrikam.com',
      'printer@fabrikam.com',
      'sales@fabrikam.com',
      'scanner@fabrikam.com',
    ]);
    expect(upns(await emu.invoke(T, 'Get-User', { Filter: 'AuthenticationPolicy -eq $null' }))).toEqual([
      'contractor@fabrikam.com',
      'sales@fabrikam.com',
    ]);
    expect(upns(await emu.invoke(T, 'Get-User', { Filter: 'AuthenticationPolicy -ne $null' }))).toEqual([
      'alex@fabrikam.com',
      'printer@fabrikam.com',
      'scanner@fabrikam.com',
    ]);
    // A policy that does not exist is assigned to nobody.
    expect(
      (await emu.invoke(T, 'Get-User', { Filter: "AuthenticationPolicy -eq 'CN=Nope,CN=Auth Policies'" })).body.value,
    ).toEqual([]);
    // Filter and identity together: the identity's matches, filtered.
    expect(
      (await emu.invoke(T, 'Get-User', { Identity: 'alex', Filter: 'AuthenticationPolicy -eq $null' })).body.value,
    ).toEqual([]);
  });

  it('refuses filters it cannot evaluate with a clear 400 instead of guessing', async () => {
    for (const [filter, text] of [
      [
        "UserPrincipalName -eq 'alex@fabrikam.com'",
        "The property 'UserPrincipalName' is not supported by the emulator.",
      ],
      ["AuthenticationPolicy -like 'Block*'", "The operator '-like' is not supported"],
      ["AuthenticationPolicy -eq 'a' -and AuthenticationPolicy -eq 'b'", '-and/-or are not supported'],
      ["AuthenticationPolicy -eq 'unterminated", 'is not terminated'],
      ['AuthenticationPolicy -eq Block', "must be a quoted string ('...') or $null"],
      ['garbage', 'Expected "<Property> -<operator> <value>"'],
    ]) {
      const answer = await emu.invoke(T, 'Get-User', { Filter: filter });
      expect([filter, answer.status]).toEqual([filter, 400]);
      const message = answer.body.error.details[0].message;
      expect(message).toContain("Cannot bind parameter 'Filter' to the target.");
      expect(message).toContain(text);
      expect(message).toContain('The exoform emulator evaluates only');
    }
  });
});

describe('Get-User and Get-CASMailbox -ResultSize', () => {
  let emu: TestEmulator;
  beforeAll(async () => {
    emu = await TestEmulator.start({
      seed: { tenants: [{ domain: 'many.onmicrosoft.com', generatedMailboxes: 1005 }] },
    });
  });
  afterAll(() => emu.close());

  it('stop at 1000 with the warning unless -ResultSize says otherwise', async () => {
    for (const cmdlet of ['Get-User', 'Get-CASMailbox']) {
      const first = await emu.invoke('many.onmicrosoft.com', cmdlet);
      expect(first.body.value).toHaveLength(1000);
      expect(first.body['@adminapi.warnings']).toEqual([RESULT_SIZE_DEFAULT_WARNING]);
      expect(first.body['@odata.nextLink']).toBeUndefined();
      const all = await emu.invoke(
        'many.onmicrosoft.com',
        cmdlet,
        { ResultSize: 'Unlimited' },
        { prefer: 'odata.maxpagesize=1000' },
      );
      expect(all.body['@odata.nextLink']).toBeDefined();
      expect(all.body['@adminapi.warnings']).toBeUndefined();
    }
    const filtered = await emu.invoke('many.onmicrosoft.com', 'Get-User', { Filter: 'AuthenticationPolicy -eq $null' });
    expect(filtered.body.value).toHaveLength(1000);
    expect(filtered.body['@adminapi.warnings']).toEqual([RESULT_SIZE_DEFAULT_WARNING]);
  });
});

describe('Set-User', () => {
  let emu: TestEmulator;
  beforeAll(async () => {
    emu = await TestEmulator.start({ seed: FIXTURE });
  });
  afterAll(() => emu.close());
  beforeEach(() => emu.inspect('POST', 'reset'));
  const user = async (identity: string): Promise<any> =>
    (await emu.invoke(T, 'Get-User', { Identity: identity })).body.value[0];

  it('assigns a policy by name, DN or GUID and removes it with $null; works for users without a mailbox', async () => {
    const state = (await emu.inspect('GET', `tenants/${T}`)).body;
    const quoted = state.authenticationPolicies.find((p: any) => p.Name === QUOTED);
    for (const value of ['block basic auth', quoted.DistinguishedName, quoted.Guid]) {
      const answer = await emu.invoke(T, 'Set-User', {
        Identity: 'contractor@fabrikam.com',
        AuthenticationPolicy: value,
      });
      expect([value, answer.status, answer.body.value]).toEqual([value, 200, []]);
    }
    expect((await user('contractor')).AuthenticationPolicy).toBe(QUOTED);
    expect((await emu.invoke(T, 'Set-User', { Identity: 'contractor', AuthenticationPolicy: null })).status).toBe(200);
    expect((await user('contractor')).AuthenticationPolicy).toBeNull();
    const again = await emu.invoke(T, 'Set-User', { Identity: 'contractor', AuthenticationPolicy: null });
    expect(again.body['@adminapi.warnings']).toEqual([
      "The command completed successfully but no settings of 'contractor' have been modified.",
    ]);
  });

  it('answers 404 naming an unknown policy, and 400 for an empty one', async () => {
    const answer = await emu.invoke(T, 'Set-User', { Identity: 'alex', AuthenticationPolicy: 'No Such Policy' });
    expect(answer.status).toBe(404);
    expect(answer.body.error.details[0].message).toContain(
      "ManagementObjectNotFoundException|The operation couldn't be performed because object 'No Such Policy' couldn't be found",
    );
    const empty = await emu.invoke(T, 'Set-User', { Identity: 'alex', AuthenticationPolicy: '' });
    expect(empty.status).toBe(400);
    expect((await user('alex')).AuthenticationPolicy).toBe('Block Basic Auth');
  });

  it('stores STSRefreshTokensValidFrom as ISO 8601 UTC, from ISO (any offset, or none = UTC) or en-US dates', async () => {
    for (const [given, stored] of [
      ['2026-03-01T10:15:30.123Z', '2026-03-01T10:15:30.123Z'],
      ['2026-03-01T12:15:30+02:00', '2026-03-01T10:15:30.000Z'],
      ['2026-03-01 10:15', '2026-03-01T10:15:00.000Z'],
      ['2026-03-01', '2026-03-01T00:00:00.000Z'],
      ['3/1/2026 10:15:30 PM', '2026-03-01T22:15:30.000Z'],
      ['2026-03-01T10:15:30.1234567Z', '2026-03-01T10:15:30.123Z'],
    ]) {
      const answer = await emu.invoke(T, 'Set-User', {
        Identity: 'alex@fabrikam.com',
        STSRefreshTokensValidFrom: given,
      });
      expect([given, answer.status]).toEqual([given, 200]);
      expect([given, (await user('alex')).STSRefreshTokensValidFrom]).toEqual([given, stored]);
    }
    for (const bad of ['yesterday', '2026-02-30', '13/1/2026', 42]) {
      const answer = await emu.invoke(T, 'Set-User', { Identity: 'alex', STSRefreshTokensValidFrom: bad });
      expect([bad, answer.status]).toEqual([bad, 400]);
      expect(answer.body.error.details[0].message).toContain('to type "System.DateTime"');
    }
    const nul = await emu.invoke(T, 'Set-User', { Identity: 'alex', STSRefreshTokensValidFrom: null });
    expect(nul.body.error.details[0].message).toContain('Cannot convert null to type "System.DateTime"');
  });

  it('sets policy and token revocation in one call, and refuses an unknown or missing identity', async () => {
    const answer = await emu.invoke(T, 'Set-User', {
      Identity: 'printer',
      AuthenticationPolicy: 'Block Basic Auth',
      STSRefreshTokensValidFrom: '2026-01-02T03:04:05Z',
    });
    expect(answer.status).toBe(200);
    expect(await user('printer')).toMatchObject({
      AuthenticationPolicy: 'Block Basic Auth',
      STSRefreshTokensValidFrom: '2026-01-02T03:04:05.000Z',
    });
    expect((await emu.invoke(T, 'Set-User', { Identity: 'ghost', AuthenticationPolicy: null })).status).toBe(404);
    expect((await emu.invoke(T, 'Set-User', { AuthenticationPolicy: null })).status).toBe(400);
  });
});

describe('OPATH AuthenticationPolicy filter parser', () => {
  it.each([
    ["AuthenticationPolicy -eq 'x'", { operator: 'eq', value: 'x' }],
    ["AuthenticationPolicy -eq 'O''Brien'", { operator: 'eq', value: "O'Brien" }],
    ["AuthenticationPolicy -eq ''''", { operator: 'eq', value: "'" }],
    ["AuthenticationPolicy -eq ''", { operator: 'eq', value: '' }],
    ['AuthenticationPolicy -eq "a ""b"" c"', { operator: 'eq', value: 'a "b" c' }],
    ["  ( AuthenticationPolicy  -NE  'CN=x,CN=Auth Policies' )  ", { operator: 'ne', value: 'CN=x,CN=Auth Policies' }],
    ['{AuthenticationPolicy -eq $null}', { operator: 'eq', value: null }],
    ["AuthenticationPolicy -eq 'it''s -and that'", { operator: 'eq', value: "it's -and that" }],
  ])('parses %s', (filter, expected) => {
    expect(parseAuthenticationPolicyFilter(filter)).toEqual(expected);
  });

  it.each([
    ["AuthenticationPolicy -eq 'O'Brien'"], // an unescaped quote ends the string early
    ["AuthenticationPolicy -eq 'x' garbage"],
    ['AuthenticationPolicy -eq $nullx'],
    ['AuthenticationPolicy'],
  ])('refuses %s', (filter) => {
    expect(() => parseAuthenticationPolicyFilter(filter)).toThrow('Invalid filter syntax');
  });
});
