import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DEMO_FIXTURE, FixtureError, startEmulator } from '../../src/emulator';
import { validateFixture } from '../../src/emulator/fixture';
import { buildTenantsFromFixture } from '../../src/emulator/seed';
import { TOKEN, TestEmulator, runCli, tempDir } from './helpers';

function problemsOf(fixture: unknown): string {
  try {
    validateFixture(fixture, 'test.json');
  } catch (error) {
    expect(error).toBeInstanceOf(FixtureError);
    return (error as Error).message;
  }
  throw new Error('expected the fixture to be rejected');
}

describe('seed fixtures', () => {
  it('the demo seed is a tenant created after 2020 with the documented mailboxes and no overrides', () => {
    const [tenant] = buildTenantsFromFixture(DEMO_FIXTURE, 'demo');
    expect(tenant!.initialDomain).toBe('contoso.onmicrosoft.com');
    expect(tenant!.domains).toEqual(['contoso.onmicrosoft.com', 'contoso.com']);
    expect(tenant!.transportConfig).toMatchObject({
      SmtpClientAuthenticationDisabled: true,
      AllowLegacyTLSClients: null,
    });
    const byUpn = new Map(tenant!.recipients.map((r) => [r.UserPrincipalName, r]));
    for (const upn of [
      'sean@contoso.com',
      'chris@contoso.com',
      'akol@contoso.com',
      'tjohnston@contoso.com',
      'kakers@contoso.com',
      'scanner@contoso.com',
    ]) {
      expect(byUpn.get(upn)?.RecipientTypeDetails).toBe('UserMailbox');
    }
    expect(byUpn.get('info@contoso.com')?.RecipientTypeDetails).toBe('SharedMailbox');
    expect(byUpn.get('jdoe@contoso.com')).toMatchObject({ RecipientTypeDetails: 'User', PrimarySmtpAddress: null });
    expect(
      tenant!.recipients.every((r) => r.SmtpClientAuthenticationDisabled === null && r.AuthenticationPolicy === null),
    ).toBe(true);
    expect(tenant!.authenticationPolicies).toEqual([]);
    // Deterministic: the same seed builds the same GUIDs (reset relies on it).
    expect(buildTenantsFromFixture(DEMO_FIXTURE, 'demo')).toEqual([tenant]);
  });

  it('builds policies, overrides, assignments and users from a full fixture', () => {
    const [tenant] = buildTenantsFromFixture(
      validateFixture(
        {
          tenants: [
            {
              domain: 'fabrikam.onmicrosoft.com',
              domains: ['fabrikam.com'],
              transportConfig: { SmtpClientAuthenticationDisabled: false, AllowLegacyTLSClients: true },
              organizationConfig: { DefaultAuthenticationPolicy: 'Block Basic Auth' },
              authenticationPolicies: ['Block Basic Auth', { name: 'Allow SMTP', AllowBasicAuthSmtp: true }],
              mailboxes: [
                'a@fabrikam.com',
                {
                  upn: 'printer@fabrikam.com',
                  SmtpClientAuthenticationDisabled: false,
                  AuthenticationPolicy: 'allow smtp',
                },
              ],
              users: [{ upn: 'nomail@fabrikam.com', displayName: 'No Mail' }],
            },
          ],
        },
        'test',
      ),
      'test',
    );
    expect(tenant!.transportConfig).toMatchObject({
      SmtpClientAuthenticationDisabled: false,
      AllowLegacyTLSClients: true,
    });
    expect(tenant!.organizationConfig.DefaultAuthenticationPolicy).toBe('Block Basic Auth');
    expect(tenant!.authenticationPolicies.map((p) => [p.Name, p.AllowBasicAuthSmtp, p.AllowBasicAuthImap])).toEqual([
      ['Block Basic Auth', false, false],
      ['Allow SMTP', true, false],
    ]);
    const printer = tenant!.recipients.find((r) => r.Alias === 'printer')!;
    expect(printer).toMatchObject({
      SmtpClientAuthenticationDisabled: false,
      AuthenticationPolicy: 'Allow SMTP',
      DisplayName: 'Printer',
    });
  });

  it('lists every problem with its JSON path and what to fix', () => {
    const message = problemsOf({
      tenants: [
        {
          domain: 'contoso.com',
          tenantId: 'not-a-guid',
          transportConfig: { SmtpClientAuthenticationDisabled: 'yes', allowLegacyTLSClients: true },
          mailboxes: [
            'sean@contoso.com',
            'sean@contoso.com',
            { upn: 'x@elsewhere.com' },
            { upn: 'y@contoso.com', type: 'Shared' },
          ],
          users: [42],
          authenticationPolicies: [{ name: 'x'.repeat(65) }],
          organizationConfig: { DefaultAuthenticationPolicy: 'Missing' },
          generatedMailboxes: -1,
        },
      ],
    });
    expect(message).toContain('Seed fixture test.json is invalid:');
    for (const expected of [
      'tenants[0].domain: must be the initial "<name>.onmicrosoft.com" domain',
      'tenants[0].tenantId: must be a GUID',
      'tenants[0].transportConfig.allowLegacyTLSClients: unknown key; did you mean "AllowLegacyTLSClients"?',
      'tenants[0].transportConfig.SmtpClientAuthenticationDisabled: must be true or false, got "yes"',
      'tenants[0].mailboxes[1]: "sean@contoso.com" is listed twice',
      'tenants[0].mailboxes[2].upn: domain "elsewhere.com" is not one of this tenant\'s domains',
      'tenants[0].mailboxes[3].type: must be "UserMailbox" or "SharedMailbox", got "Shared"',
      'tenants[0].users[0]: must be a UPN string or an object with "upn", got 42',
      'tenants[0].authenticationPolicies[0].name: must be at most 64 characters',
      'tenants[0].organizationConfig.DefaultAuthenticationPolicy: names policy "Missing", which is not in this tenant\'s authenticationPolicies',
      'tenants[0].generatedMailboxes: must be a whole number from 0 to 1000000, got -1',
      'src/emulator/README.md',
    ]) {
      expect(message).toContain(expected);
    }
  });

  it('rejects domains shared between tenants and an empty tenant list', () => {
    expect(problemsOf({ tenants: [] })).toContain('tenants: must be a non-empty array');
    expect(
      problemsOf({
        tenants: [
          { domain: 'a.onmicrosoft.com', domains: ['x.com'] },
          { domain: 'b.onmicrosoft.com', domains: ['X.com'] },
        ],
      }),
    ).toContain('tenants[1].domains[0]: domain "X.com" is already used by tenants[0].domains[0]');
  });

  it('the CLI names the fixture file and the problem, and exits 1', async () => {
    const dir = tempDir();
    try {
      const fixture = join(dir.path, 'fixture.json');
      writeFileSync(fixture, JSON.stringify({ tenants: [{ domain: 'a.onmicrosoft.com', mailboxes: ['bob'] }] }));
      const result = await runCli([
        'emulator',
        '--data',
        join(dir.path, 'state.json'),
        '--seed',
        fixture,
        '--token',
        TOKEN,
      ]);
      expect(result.code).toBe(1);
      expect(result.stderr).toContain(`Seed fixture ${fixture} is invalid`);
      expect(result.stderr).toContain(
        'tenants[0].mailboxes[0]: must be a user principal name like "sean@contoso.com", got "bob"',
      );
      const missing = await runCli([
        'emulator',
        '--data',
        join(dir.path, 'state.json'),
        '--seed',
        join(dir.path, 'nope.json'),
        '--token',
        TOKEN,
      ]);
      expect(missing.code).toBe(1);
      expect(missing.stderr).toContain('the file cannot be read');
    } finally {
      dir.remove();
    }
  });

  it('generates 60,000 mailboxes, serves and persists them', async () => {
    const dir = tempDir();
    try {
      const dataFile = join(dir.path, 'state.json');
      const emu = await TestEmulator.start({
        dataFile,
        seed: { tenants: [{ domain: 'load.onmicrosoft.com', domains: ['load.com'], generatedMailboxes: 60_000 }] },
      });
      expect(emu.emulator.tenants()[0]!.mailboxes).toBe(60_000);
      const one = await emu.invoke('load.com', 'Get-CASMailbox', { Identity: 'user59999@load.com' });
      expect(one.body.value[0]).toMatchObject({
        Name: 'user59999',
        PrimarySmtpAddress: 'user59999@load.com',
        SmtpClientAuthenticationDisabled: null,
      });
      const page = await emu.invoke('load.com', 'Get-CASMailbox', { ResultSize: 'Unlimited' });
      expect(page.body.value).toHaveLength(1000);
      expect(page.body['@odata.nextLink']).toBeDefined();
      await emu.close();
      expect(readFileSync(dataFile, 'utf8')).toContain('"user60000@load.com"');
      // The seed stored in the state file is the small fixture, not 60,000 expanded mailboxes.
      expect(JSON.parse(readFileSync(dataFile, 'utf8')).seed.fixture.tenants[0].generatedMailboxes).toBe(60_000);
    } finally {
      dir.remove();
    }
  });

  it('does not read the seed at all when the data file already exists', async () => {
    const dir = tempDir();
    try {
      const dataFile = join(dir.path, 'state.json');
      const first = await startEmulator({ dataFile, token: TOKEN });
      await first.close();
      const lines: string[] = [];
      const second = await startEmulator({
        dataFile,
        token: TOKEN,
        seed: join(dir.path, 'missing.json'),
        log: (l) => lines.push(l),
      });
      expect(lines.some((l) => l.includes('missing.json ignored because'))).toBe(true);
      await second.close();
    } finally {
      dir.remove();
    }
  });
});
