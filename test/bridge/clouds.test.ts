/**
 * The cloud table (src/bridge/clouds.ts) and what it decides in each bridge: the REST bridge's host, token scope and
 * Entra authority; the PowerShell bridge's -ExchangeEnvironmentName and its -Organization rule; and the anchor the
 * REST bridge derives from the token's claims (over real HTTP to a recording server).
 */
import type { Configuration } from '@azure/msal-node';
import { CLOUDS, isCloudHost, parseEnvironment, resolveCloud } from '../../src/bridge/clouds';
import { ConfigurationError, AuthenticationError } from '../../src/bridge/errors';
import { resolvePowerShellConnection } from '../../src/bridge/powershell/connection';
import { createRestBridge } from '../../src/bridge/rest/create-rest-bridge';
import { RestBridge } from '../../src/bridge/rest/rest-bridge';
import { anchorMailboxFor, decodeTokenClaims } from '../../src/bridge/rest/token-claims';
import { StaticTokenProvider } from '../../src/bridge/rest/token-provider';
import { ExchangeTestServer, ok } from './helpers/exchange-test-server';

const ORG = 'contoso.onmicrosoft.com';
const TENANT_ID = '7c3b9a52-4f1e-4d8a-9b6c-2e5f0a1d3c84';
const APP = '00000000-aaaa-4bbb-8ccc-111111111111';

/** An unsigned JWT-shaped token with these claims (the bridge reads claims, it never verifies them). */
function jwt(claims: Record<string, unknown>): string {
  const part = (value: object): string => Buffer.from(JSON.stringify(value)).toString('base64url');
  return `${part({ alg: 'none', typ: 'JWT' })}.${part(claims)}.c2lnbmF0dXJl`;
}

function configurationError(run: () => unknown): ConfigurationError {
  try {
    run();
  } catch (error) {
    if (error instanceof ConfigurationError) return error;
    throw error;
  }
  throw new Error('expected a ConfigurationError');
}

describe('environment setting', () => {
  test.each([
    ['O365Default', 'commercial'],
    ['o365default', 'commercial'],
    ['commercial', 'commercial'],
    ['GCC', 'gcc'],
    ['O365USGovGCCHigh', 'gcchigh'],
    ['gcc-high', 'gcchigh'],
    ['O365USGovDoD', 'dod'],
    ['O365China', 'china'],
    ['21Vianet', 'china'],
  ])('%s names the %s cloud', (name, id) => {
    expect(parseEnvironment(name)!.id).toBe(id);
  });

  test('unset means worldwide; an unknown name is refused naming the setting and the accepted names', () => {
    expect(resolveCloud(undefined, undefined)).toBe(CLOUDS.commercial);
    expect(resolveCloud('', undefined)).toBe(CLOUDS.commercial);
    const error = configurationError(() => parseEnvironment('AzureUSGovernment'));
    expect(error.attributes).toEqual(['environment']);
    expect(error.remedy).toMatch(/O365Default.*O365USGovGCCHigh.*O365USGovDoD.*O365China/);
  });

  test('an endpoint on a cloud host implies that cloud; a contradicting environment is refused', () => {
    expect(resolveCloud(undefined, 'https://outlook.office365.us').id).toBe('gcchigh');
    expect(resolveCloud(undefined, 'https://partner.outlook.cn').id).toBe('china');
    expect(resolveCloud('dod', 'https://outlook-dod.office365.us').id).toBe('dod');
    // GCC shares the worldwide hosts.
    expect(resolveCloud('gcc', 'https://outlook.office365.com').id).toBe('gcc');
    // An emulator endpoint takes the named cloud's scope, authority and hints.
    expect(resolveCloud('O365China', 'http://127.0.0.1:8080').id).toBe('china');
    const error = configurationError(() => resolveCloud('O365USGovGCCHigh', 'https://outlook.office365.com'));
    expect(error.attributes).toEqual(['endpoint', 'environment']);
  });

  test('each cloud: hosts, scope, authority and legacy-TLS host as the public sources give them', () => {
    expect(CLOUDS.commercial).toMatchObject({
      endpoint: 'https://outlook.office365.com',
      scope: 'https://outlook.office365.com/.default',
      authorityHost: 'https://login.microsoftonline.com',
      legacyTlsHost: 'smtp-legacy.office365.com',
    });
    expect(CLOUDS.gcc).toMatchObject({ endpoint: 'https://outlook.office365.com', legacyTlsHost: null });
    expect(CLOUDS.gcchigh).toMatchObject({
      endpoint: 'https://outlook.office365.us',
      scope: 'https://outlook.office365.us/.default',
      authorityHost: 'https://login.microsoftonline.us',
      legacyTlsHost: null,
    });
    expect(CLOUDS.dod).toMatchObject({
      endpoint: 'https://outlook-dod.office365.us',
      scope: 'https://outlook-dod.office365.us/.default',
      authorityHost: 'https://login.microsoftonline.us',
      legacyTlsHost: null,
    });
    expect(CLOUDS.china).toMatchObject({
      endpoint: 'https://partner.outlook.cn',
      scope: 'https://partner.outlook.cn/.default',
      authorityHost: 'https://login.partner.microsoftonline.cn',
      legacyTlsHost: 'smtp-legacy.partner.outlook.cn',
    });
  });

  test('isCloudHost: the front door and its tenant-specific subdomains, nothing else', () => {
    expect(isCloudHost(CLOUDS.commercial, 'outlook.office365.com')).toBe(true);
    expect(isCloudHost(CLOUDS.commercial, 'NAMPR01.outlook.office365.com')).toBe(true);
    expect(isCloudHost(CLOUDS.commercial, 'outlook.office365.com.evil.example')).toBe(false);
    expect(isCloudHost(CLOUDS.commercial, 'evil-outlook.office365.com')).toBe(false);
    expect(isCloudHost(CLOUDS.commercial, 'outlook.office365.us')).toBe(false);
    expect(isCloudHost(CLOUDS.dod, 'x.outlook-dod.office365.us')).toBe(true);
  });
});

describe('REST bridge per cloud', () => {
  test.each(['commercial', 'gcchigh', 'dod', 'china'] as const)(
    '%s: MSAL gets the cloud authority and scope; requests go to the cloud host',
    async (id) => {
      const configurations: Configuration[] = [];
      const scopes: string[][] = [];
      const bridge = createRestBridge({
        organization: ORG,
        clientId: APP,
        clientSecret: 'not-a-real-secret',
        environment: id,
        createClient: (configuration) => {
          configurations.push(configuration);
          return {
            acquireTokenByClientCredential: async (request) => (scopes.push(request.scopes), { accessToken: 'token' }),
          };
        },
      });
      expect(bridge.endpoint).toBe(CLOUDS[id].endpoint);
      expect(bridge.cloud).toBe(CLOUDS[id]); // its host suffixes decide which redirect and nextLink hosts are the same cloud
      // Stop short of the network: the token request is what this test looks at.
      const provider = (
        bridge as unknown as { tokenProvider: { getToken(o: { forceRefresh: boolean }): Promise<string> } }
      ).tokenProvider;
      await provider.getToken({ forceRefresh: false });
      expect(configurations[0]!.auth.authority).toBe(`${CLOUDS[id].authorityHost}/${ORG}`);
      expect(scopes[0]).toEqual([CLOUDS[id].scope]);
      await bridge.close();
    },
  );
});

describe('PowerShell bridge per cloud', () => {
  // The Connect-ExchangeOnline docs: -ExchangeEnvironmentName replaces -ConnectionUri and
  // -AzureADAuthorizationEndpointUri, so an emulator endpoint goes with the cloud's authority instead, never with both.
  test('-ExchangeEnvironmentName from environment (O365Default left out); an emulator endpoint goes as -ConnectionUri instead', () => {
    expect(resolvePowerShellConnection({ organization: ORG, accessToken: 't' }).connectPayload).not.toHaveProperty(
      'ExchangeEnvironmentName',
    );
    expect(
      resolvePowerShellConnection({ organization: ORG, accessToken: 't', environment: 'O365USGovDoD' }).connectPayload,
    ).toMatchObject({ ExchangeEnvironmentName: 'O365USGovDoD' });
    expect(
      resolvePowerShellConnection({ organization: ORG, accessToken: 't', endpoint: 'https://partner.outlook.cn' })
        .connectPayload,
    ).toEqual({
      Organization: ORG,
      AccessTokenFromEnvironment: true,
      ExchangeEnvironmentName: 'O365China',
    });
    const emulator = resolvePowerShellConnection({
      organization: ORG,
      accessToken: 't',
      environment: 'gcchigh',
      endpoint: 'http://127.0.0.1:4000',
    });
    expect(emulator.connectPayload).toEqual({
      Organization: ORG,
      AccessTokenFromEnvironment: true,
      ConnectionUri: 'http://127.0.0.1:4000/powershell-liveid/',
      AzureADAuthorizationEndpointUri: 'https://login.microsoftonline.us/common',
    });
  });

  test.each([
    ['a tenant id', TENANT_ID],
    ['a vanity domain', 'contoso.com'],
  ])(
    'certificate and managed identity sign-in refuse %s as -Organization, naming the setting',
    (_what, organization) => {
      for (const settings of [{ managedIdentity: true }, { clientId: APP, certificatePath: '/nonexistent.pfx' }]) {
        const error = configurationError(() => resolvePowerShellConnection({ organization, ...settings }));
        expect(error.attributes).toEqual(['organization']);
        expect(error.message).toMatch(/not the tenant's \.onmicrosoft\.com domain/);
        expect(error.remedy).toMatch(/contoso\.onmicrosoft\.com/);
      }
      // A token sign-in takes any organization form; the initial domain of a national cloud is accepted there.
      expect(resolvePowerShellConnection({ organization, accessToken: 't' }).organization).toBe(organization);
      expect(
        resolvePowerShellConnection({
          organization: 'contoso.onmicrosoft.us',
          managedIdentity: true,
          environment: 'gcchigh',
        }).organization,
      ).toBe('contoso.onmicrosoft.us');
      expect(
        resolvePowerShellConnection({
          organization: 'contoso.partner.onmschina.cn',
          managedIdentity: true,
          environment: 'china',
        }).organization,
      ).toBe('contoso.partner.onmschina.cn');
    },
  );
});

describe('X-AnchorMailbox from the token', () => {
  test('claims decide: app-only → APP:SystemMailbox, delegated → UPN:<user>, opaque → APP', () => {
    const app = decodeTokenClaims(jwt({ tid: TENANT_ID, roles: ['Exchange.ManageAsApp'], idtyp: 'app' }));
    expect(anchorMailboxFor(app, ORG)).toBe(`APP:SystemMailbox{bb558c35-97f1-4cb9-8ff7-d53741dc928c}@${ORG}`);
    expect(anchorMailboxFor(decodeTokenClaims(jwt({ scp: 'Exchange.Manage', upn: 'admin@contoso.com' })), ORG)).toBe(
      'UPN:admin@contoso.com',
    );
    expect(
      anchorMailboxFor(decodeTokenClaims(jwt({ scp: 'Exchange.Manage', unique_name: 'u@contoso.com' })), ORG),
    ).toBe('UPN:u@contoso.com');
    expect(
      anchorMailboxFor(decodeTokenClaims(jwt({ scp: 'Exchange.Manage', preferred_username: 'p@contoso.com' })), ORG),
    ).toBe('UPN:p@contoso.com');
    expect(decodeTokenClaims('opaque-token')).toBeUndefined();
    expect(anchorMailboxFor(undefined, ORG)).toMatch(/^APP:SystemMailbox/);
  });

  describe('over HTTP', () => {
    let server: ExchangeTestServer;
    beforeEach(async () => {
      server = await ExchangeTestServer.start(() => ok([{ Identity: 'x' }]));
    });
    afterEach(() => server.close());

    test('a delegated token anchors InvokeCommand and every $batch item to the user; the claims never reach the log', async () => {
      const logged: string[] = [];
      const token = jwt({ tid: TENANT_ID, scp: 'Exchange.Manage', upn: 'admin@contoso.com' });
      const bridge = new RestBridge({
        organization: ORG,
        endpoint: server.url,
        tokenProvider: new StaticTokenProvider(token),
        logger: (_l, message, fields) => logged.push(message + JSON.stringify(fields)),
      });
      await bridge.invoke('Get-TransportConfig', {});
      expect(server.requests[0]!.headers['x-anchormailbox']).toBe('UPN:admin@contoso.com');
      server.setResponder(() => ({
        status: 200,
        body: {
          responses: [
            { id: '1', status: 200, body: { value: [] } },
            { id: '2', status: 200, body: { value: [] } },
          ],
        },
      }));
      await bridge.invokeBatch([
        { cmdlet: 'Get-User', parameters: { Identity: 'a' } },
        { cmdlet: 'Get-User', parameters: { Identity: 'b' } },
      ]);
      const batch = server.json(1) as { requests: Array<{ headers: Record<string, string> }> };
      expect(batch.requests.map((item) => item.headers['X-AnchorMailbox'])).toEqual([
        'UPN:admin@contoso.com',
        'UPN:admin@contoso.com',
      ]);
      expect(logged.join('\n')).not.toContain('admin@contoso.com');
      expect(logged.join('\n')).not.toContain(token);
      await bridge.close();
    });

    test('a token of another tenant than a tenant-id organization fails before any request, without quoting the claim', async () => {
      const other = '11111111-2222-4333-8444-555555555555';
      const bridge = new RestBridge({
        organization: TENANT_ID,
        endpoint: server.url,
        tokenProvider: new StaticTokenProvider(jwt({ tid: other, roles: ['Exchange.ManageAsApp'] })),
        retry: { maxAttempts: 1 },
      });
      const error = await bridge.invoke('Get-TransportConfig', {}).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(AuthenticationError);
      expect((error as Error).message).toMatch(/issued for another tenant/);
      expect((error as Error).message).not.toContain(other);
      expect(server.requests).toHaveLength(0);
      await bridge.close();
    });
  });
});
