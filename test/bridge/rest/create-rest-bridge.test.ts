import { ConfigurationError } from '../../../src/bridge/errors';
import {
  createRestBridge,
  createTokenProvider,
  type RestBridgeSettings,
} from '../../../src/bridge/rest/create-rest-bridge';
import {
  CertificateTokenProvider,
  ClientSecretTokenProvider,
  StaticTokenProvider,
} from '../../../src/bridge/rest/token-provider';
import { ExchangeTestServer, ok, script } from '../helpers/exchange-test-server';
import { FakeClock } from '../helpers/fake-clock';

const ORG = 'contoso.onmicrosoft.com';
const CLIENT_ID = '00000000-aaaa-4bbb-8ccc-111111111111';
const SECRETS = {
  accessToken: 'access-token-value-123',
  clientSecret: 'client-secret-value-456',
  certificatePassword: 'cert-password-789',
};

function configurationError(settings: RestBridgeSettings): ConfigurationError {
  try {
    createRestBridge(settings);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigurationError);
    const configurationError = error as ConfigurationError;
    for (const secret of Object.values(SECRETS))
      expect(`${configurationError.message} ${configurationError.remedy}`).not.toContain(secret);
    return configurationError;
  }
  throw new Error('expected a ConfigurationError');
}

describe('createRestBridge', () => {
  it('uses an access token as given and talks to the configured endpoint', async () => {
    const server = await ExchangeTestServer.start(script(ok([{ ok: true }])));
    const lines: string[] = [];
    const bridge = createRestBridge(
      { organization: ORG, accessToken: SECRETS.accessToken, endpoint: server.url },
      { clock: new FakeClock(), logger: (_level, message) => lines.push(message) },
    );
    try {
      await expect(bridge.invoke('Get-TransportConfig', {})).resolves.toEqual({ rows: [{ ok: true }], warnings: [] });
      expect(server.requests[0]!.headers.authorization).toBe(`Bearer ${SECRETS.accessToken}`);
      expect(bridge.organization).toBe(ORG);
      expect(lines.length).toBeGreaterThan(0);
    } finally {
      await bridge.close();
      await server.close();
    }
  });

  it('defaults to https://outlook.office365.com', () => {
    expect(createRestBridge({ organization: ORG, accessToken: SECRETS.accessToken }).endpoint).toBe(
      'https://outlook.office365.com',
    );
  });

  it('picks the provider from the credentials', () => {
    expect(createTokenProvider({ organization: ORG, accessToken: SECRETS.accessToken })).toBeInstanceOf(
      StaticTokenProvider,
    );
    expect(
      createTokenProvider({ organization: ORG, clientId: CLIENT_ID, clientSecret: SECRETS.clientSecret }),
    ).toBeInstanceOf(ClientSecretTokenProvider);
    expect(
      createTokenProvider({
        organization: ORG,
        clientId: CLIENT_ID,
        certificatePath: '/etc/app.pfx',
        certificatePassword: SECRETS.certificatePassword,
      }),
    ).toBeInstanceOf(CertificateTokenProvider);
    // Empty strings (unset environment variables) count as unset.
    expect(
      createTokenProvider({
        organization: ORG,
        accessToken: '',
        clientId: CLIENT_ID,
        clientSecret: SECRETS.clientSecret,
        certificatePath: ' ',
      }),
    ).toBeInstanceOf(ClientSecretTokenProvider);
    expect(
      createTokenProvider({
        organization: ORG,
        clientId: CLIENT_ID,
        certificatePath: '/etc/app.pfx',
        certificatePassword: '',
      }),
    ).toBeInstanceOf(CertificateTokenProvider);
  });

  it.each([
    [
      { accessToken: SECRETS.accessToken, clientId: CLIENT_ID, clientSecret: SECRETS.clientSecret },
      '`access_token` and `client_secret` are both set; set only one way to authenticate.',
      ['access_token', 'client_secret'],
    ],
    [
      { accessToken: SECRETS.accessToken, certificatePath: '/etc/app.pfx' },
      '`access_token` and `certificate_path` are both set; set only one way to authenticate.',
      ['access_token', 'certificate_path'],
    ],
    [
      { clientId: CLIENT_ID, clientSecret: SECRETS.clientSecret, certificatePath: '/etc/app.pfx' },
      '`client_secret` and `certificate_path` are both set; set only one way to authenticate.',
      ['client_secret', 'certificate_path'],
    ],
    [
      { accessToken: SECRETS.accessToken, clientId: CLIENT_ID },
      '`client_id` is set together with `access_token`; a ready-made token already names its app.',
      ['client_id', 'access_token'],
    ],
    [
      { clientSecret: SECRETS.clientSecret },
      '`client_secret` is set but `client_id` is not.',
      ['client_id', 'client_secret'],
    ],
    [
      { certificatePath: '/etc/app.pfx' },
      '`certificate_path` is set but `client_id` is not.',
      ['client_id', 'certificate_path'],
    ],
    [
      { clientId: CLIENT_ID },
      '`client_id` is set without a credential.',
      ['client_id', 'client_secret', 'certificate_path'],
    ],
    [
      { accessToken: SECRETS.accessToken, certificatePassword: SECRETS.certificatePassword },
      '`certificate_password` is set but `certificate_path` is not.',
      ['certificate_password', 'certificate_path'],
    ],
    [{}, 'No credentials are configured.', ['access_token', 'client_id', 'client_secret', 'certificate_path']],
    [
      { clientId: 'my-app-name', clientSecret: SECRETS.clientSecret },
      'The `client_id` setting is not an application (client) id.',
      ['client_id'],
    ],
  ] as Array<[RestBridgeSettings, string, string[]]>)(
    'refuses %j with a message naming the attributes',
    (credentials, message, attributes) => {
      const error = configurationError({ organization: ORG, ...credentials });
      expect(error.message).toBe(message);
      expect(error.attributes).toEqual(attributes);
      expect(error.remedy.length).toBeGreaterThan(20);
    },
  );

  it('checks organization and endpoint before credentials', () => {
    expect(configurationError({ accessToken: SECRETS.accessToken }).attributes).toEqual(['organization']);
    expect(
      configurationError({
        organization: 'not a domain',
        accessToken: SECRETS.accessToken,
        clientSecret: SECRETS.clientSecret,
      }).attributes,
    ).toEqual(['organization']);
    const endpoint = configurationError({
      organization: ORG,
      accessToken: SECRETS.accessToken,
      clientSecret: SECRETS.clientSecret,
      endpoint: 'http://exchange.example.com',
    });
    expect(endpoint.attributes).toEqual(['endpoint']);
    expect(endpoint.remedy).toContain('https://');
  });
});
