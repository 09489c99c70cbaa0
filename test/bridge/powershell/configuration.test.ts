/**
 * Provider settings for the PowerShell bridge: every sign-in Connect-ExchangeOnline offers, and clear
 * ConfigurationErrors naming the attributes for every combination that cannot work.
 */
import { ConfigurationError } from '../../../src/bridge/errors';
import { resolvePowerShellConnection, type PowerShellBridgeSettings } from '../../../src/bridge/powershell/connection';
import { createExoformProvider } from '../../../src/provider/provider';
import { DiagnosticError } from '../../../src/provider/framework/resource';
import type { Logger } from '../../../src/protocol/logging';
import { makeCertificate, writeTemp } from '../helpers/certificates';

const ORG = 'contoso.onmicrosoft.com';
const APP = '00000000-aaaa-4bbb-8ccc-111111111111';

function configurationError(settings: PowerShellBridgeSettings): ConfigurationError {
  try {
    resolvePowerShellConnection(settings, { checkCertificateNow: true });
  } catch (error) {
    if (error instanceof ConfigurationError) return error;
    throw error;
  }
  throw new Error('expected a ConfigurationError');
}

describe('resolvePowerShellConnection', () => {
  test('access token: -AccessToken from the environment, "Bearer " tolerated, default pwsh', () => {
    const connection = resolvePowerShellConnection({ organization: ORG, accessToken: 'Bearer abc.def' });
    expect(connection).toMatchObject({
      authentication: 'access-token',
      executable: 'pwsh',
      interactive: false,
      connectPayload: { Organization: ORG, AccessTokenFromEnvironment: true },
      secretEnvironment: { EXOFORM_ACCESS_TOKEN: 'abc.def' },
    });
  });

  test('certificate: the PFX is checked now (path, password) and passed by absolute path', () => {
    const pfx = writeTemp('app.pfx', makeCertificate().pfx('pw'));
    const connection = resolvePowerShellConnection(
      { organization: ORG, clientId: APP, certificatePath: pfx, certificatePassword: 'pw' },
      { checkCertificateNow: true },
    );
    expect(connection.connectPayload).toEqual({
      Organization: ORG,
      AppId: APP,
      CertificateFilePath: pfx,
      CertificatePasswordFromEnvironment: true,
    });
    expect(connection.secrets).toEqual(['pw']);
    expect(
      configurationError({ organization: ORG, clientId: APP, certificatePath: pfx, certificatePassword: 'wrong' })
        .attributes,
    ).toEqual(['certificate_password']);
  });

  test('a PEM certificate is refused: -CertificateFilePath reads PFX only', () => {
    const certificate = makeCertificate();
    const pem = writeTemp('app.pem', certificate.certPem + certificate.keyPem);
    const error = configurationError({ organization: ORG, clientId: APP, certificatePath: pem });
    expect(error.attributes).toEqual(['certificate_path']);
    expect(error.message).toMatch(/PEM; Connect-ExchangeOnline -CertificateFilePath needs a PFX/);
    expect(error.remedy).toMatch(/openssl pkcs12 -export/);
  });

  test('managed identity: system-assigned, or user-assigned with client_id', () => {
    expect(resolvePowerShellConnection({ organization: ORG, managedIdentity: true }).connectPayload).toEqual({
      Organization: ORG,
      ManagedIdentity: true,
    });
    expect(
      resolvePowerShellConnection({ organization: ORG, managedIdentity: true, clientId: APP }).connectPayload,
    ).toEqual({
      Organization: ORG,
      ManagedIdentity: true,
      ManagedIdentityAccountId: APP,
    });
  });

  test('delegated: -UserPrincipalName, and pwsh without -NonInteractive', () => {
    expect(
      resolvePowerShellConnection({ organization: ORG, userPrincipalName: 'admin@contoso.onmicrosoft.com' }),
    ).toMatchObject({
      authentication: 'delegated',
      interactive: true,
      connectPayload: { UserPrincipalName: 'admin@contoso.onmicrosoft.com' },
    });
  });

  test.each([
    ['https://outlook.office365.com', {}],
    ['https://outlook.office365.us', { ExchangeEnvironmentName: 'O365USGovGCCHigh' }],
    ['https://outlook-dod.office365.us', { ExchangeEnvironmentName: 'O365USGovDoD' }],
    ['https://partner.outlook.cn', { ExchangeEnvironmentName: 'O365China' }],
    ['http://127.0.0.1:5580', { ConnectionUri: 'http://127.0.0.1:5580/powershell-liveid/' }],
  ])('endpoint %s → %j', (endpoint, expected) => {
    const { connectPayload } = resolvePowerShellConnection({ organization: ORG, accessToken: 't', endpoint });
    expect(connectPayload).toEqual({ Organization: ORG, AccessTokenFromEnvironment: true, ...expected });
  });

  // The docs: -ExchangeEnvironmentName replaces -ConnectionUri and -AzureADAuthorizationEndpointUri; never both.
  test.each([
    ['O365USGovGCCHigh', 'https://login.microsoftonline.us/common'],
    ['O365USGovDoD', 'https://login.microsoftonline.us/common'],
    ['O365China', 'https://login.partner.microsoftonline.cn/common'],
  ])(
    'environment %s, emulator endpoint: -ConnectionUri and the authority, no environment name',
    (environment, authority) => {
      const endpoint = 'http://127.0.0.1:5580';
      const { connectPayload } = resolvePowerShellConnection({
        organization: ORG,
        accessToken: 't',
        endpoint,
        environment,
      });
      expect(connectPayload).toEqual({
        Organization: ORG,
        AccessTokenFromEnvironment: true,
        ConnectionUri: 'http://127.0.0.1:5580/powershell-liveid/',
        AzureADAuthorizationEndpointUri: authority,
      });
    },
  );

  test('a relative powershell_path with a directory is resolved; a bare name stays a PATH lookup', () => {
    expect(
      resolvePowerShellConnection({ organization: ORG, accessToken: 't', powershellPath: 'tools/pwsh' }).executable,
    ).toBe(`${process.cwd()}/tools/pwsh`);
    expect(
      resolvePowerShellConnection({ organization: ORG, accessToken: 't', powershellPath: 'pwsh-preview' }).executable,
    ).toBe('pwsh-preview');
  });

  test.each<[string, PowerShellBridgeSettings, string[], RegExp]>([
    [
      'client secret',
      { organization: ORG, clientId: APP, clientSecret: 's' },
      ['client_secret', 'bridge'],
      /no client-secret sign-in/,
    ],
    [
      'token and certificate',
      { organization: ORG, accessToken: 't', clientId: APP, certificatePath: '/x.pfx' },
      ['access_token', 'certificate_path'],
      /both set/,
    ],
    [
      'token and user',
      { organization: ORG, accessToken: 't', userPrincipalName: 'a@b.com' },
      ['access_token', 'user_principal_name'],
      /both set/,
    ],
    [
      'managed identity and certificate',
      { organization: ORG, managedIdentity: true, clientId: APP, certificatePath: '/x.pfx' },
      ['certificate_path', 'managed_identity'],
      /both set/,
    ],
    [
      'client id with a token',
      { organization: ORG, accessToken: 't', clientId: APP },
      ['client_id', 'access_token'],
      /does not use it/,
    ],
    [
      'certificate without client id',
      { organization: ORG, certificatePath: '/x.pfx' },
      ['client_id', 'certificate_path'],
      /`client_id` is not/,
    ],
    [
      'password without certificate',
      { organization: ORG, accessToken: 't', certificatePassword: 'p' },
      ['certificate_password', 'certificate_path'],
      /`certificate_path` is not/,
    ],
    [
      'client id alone',
      { organization: ORG, clientId: APP },
      ['client_id', 'certificate_path', 'managed_identity'],
      /without a credential/,
    ],
    [
      'nothing',
      { organization: ORG },
      ['access_token', 'client_id', 'certificate_path', 'managed_identity', 'user_principal_name'],
      /No credentials/,
    ],
    [
      'not a user principal name',
      { organization: ORG, userPrincipalName: 'admin' },
      ['user_principal_name'],
      /not a user principal name/,
    ],
    [
      'a client id that is no GUID',
      { organization: ORG, managedIdentity: true, clientId: 'my-identity' },
      ['client_id'],
      /not an application/,
    ],
    ['no organization', { accessToken: 't' }, ['organization'], /not set/],
    [
      'control characters in powershell_path',
      { organization: ORG, accessToken: 't', powershellPath: 'pwsh\n-Command x' },
      ['powershell_path'],
      /control characters/,
    ],
    [
      'an unreadable certificate',
      { organization: ORG, clientId: APP, certificatePath: '/nonexistent/app.pfx' },
      ['certificate_path'],
      /\/nonexistent\/app\.pfx/,
    ],
  ])('%s', (_name, settings, attributes, message) => {
    const error = configurationError(settings);
    expect(error.attributes).toEqual(attributes);
    expect(error.message).toMatch(message);
  });
});

describe('provider block: bridge selection', () => {
  const logger: Logger = { enabled: () => false, log: () => undefined };
  const options = { signal: new AbortController().signal, terraformVersion: '1.9.0' };

  async function configureError(
    config: Record<string, string | boolean>,
    environment: NodeJS.ProcessEnv = {},
  ): Promise<string> {
    try {
      await createExoformProvider(logger, environment).configure(
        { organization: ORG, endpoint: 'http://127.0.0.1:1', ...config },
        options,
      );
    } catch (error) {
      if (error instanceof DiagnosticError) return `${error.diagnostic.summary}: ${error.diagnostic.detail}`;
      throw error;
    }
    throw new Error('expected configure to fail');
  }

  test('an unknown bridge is refused, naming the setting', async () => {
    expect(await configureError({ bridge: 'grpc', access_token: 't' })).toMatch(
      /The `bridge` setting "grpc" is not a bridge exoform has[\s\S]*"rest" \(the default\) or "powershell"/,
    );
  });

  test('user_principal_name and managed_identity need bridge = "powershell"', async () => {
    expect(await configureError({ user_principal_name: 'admin@contoso.com' })).toMatch(
      /`user_principal_name` needs bridge = "powershell"/,
    );
    expect(await configureError({ managed_identity: true })).toMatch(/`managed_identity` needs bridge = "powershell"/);
    expect(await configureError({ access_token: 't' }, { EXO_MANAGED_IDENTITY: 'true' })).toMatch(
      /`managed_identity` needs bridge = "powershell"[\s\S]*EXO_MANAGED_IDENTITY/,
    );
    expect(await configureError({ access_token: 't' }, { EXO_MANAGED_IDENTITY: 'yes please' })).toMatch(
      /expected true or false/,
    );
  });

  test('EXO_BRIDGE selects the PowerShell bridge, whose rules then apply', async () => {
    expect(await configureError({ client_id: APP, client_secret: 's' }, { EXO_BRIDGE: 'powershell' })).toMatch(
      /`client_secret` cannot be used with bridge = "powershell"/,
    );
  });

  test('a configured PowerShell bridge starts nothing until the first call', async () => {
    const provider = createExoformProvider(logger, { EXO_POWERSHELL_PATH: '/nonexistent/pwsh' });
    const client = await provider.configure({ organization: ORG, access_token: 't', bridge: 'powershell' }, options);
    expect(client.organization).toBe(ORG);
    await provider.close?.(client);
  });
});
