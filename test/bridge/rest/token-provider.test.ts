/**
 * Token providers. MSAL's call to Microsoft Entra ID cannot be made here, so two seams stop just short of it:
 * - a fake ConfidentialClient (createClient) shows what configuration and requests the providers give MSAL;
 * - the real MSAL ConfidentialClientApplication with a fake network module shows what MSAL then sends to Entra ID:
 *   the signed client assertion (verified against the certificate) or the client secret, caching and skipCache.
 */
import { constants, createPublicKey, verify, X509Certificate } from 'node:crypto';
import {
  ConfidentialClientApplication,
  type Configuration,
  type INetworkModule,
  type NetworkRequestOptions,
  type NetworkResponse,
} from '@azure/msal-node';
import { AuthenticationError, CancelledError, ConfigurationError, TransientError } from '../../../src/bridge/errors';
import type { ConfidentialClient } from '../../../src/bridge/rest/msal-client';
import {
  CertificateTokenProvider,
  ClientSecretTokenProvider,
  StaticTokenProvider,
} from '../../../src/bridge/rest/token-provider';
import { makeCertificate, writeTemp, type TestCertificate } from '../helpers/certificates';

const ORG = 'contoso.onmicrosoft.com';
const CLIENT_ID = '00000000-aaaa-4bbb-8ccc-111111111111';
const SECRET = 'Xy7~secret.value_with-special~chars';
const CERT_PASSWORD = 'pfx-password-do-not-leak';

/** Records the MSAL configuration and requests; answers with scripted tokens or errors. */
class FakeConfidentialClient implements ConfidentialClient {
  readonly requests: Array<{ scopes: string[]; skipCache?: boolean }> = [];
  answers: Array<string | Error> = [];
  pending?: Promise<void>;

  async acquireTokenByClientCredential(request: {
    scopes: string[];
    skipCache?: boolean;
  }): Promise<{ accessToken: string } | null> {
    const number = this.requests.push(request);
    await this.pending;
    const answer = this.answers.shift() ?? `token-${number}`;
    if (answer instanceof Error) throw answer;
    return { accessToken: answer };
  }
}

function fakeClientFactory() {
  const client = new FakeConfidentialClient();
  const configurations: Configuration[] = [];
  return {
    client,
    configurations,
    createClient: (configuration: Configuration) => (configurations.push(configuration), client),
  };
}

/** An MSAL-shaped Entra error (ServerError carries errorCode, errorMessage, status). */
function entraError(errorCode: string, errorMessage: string, status = 400): Error {
  return Object.assign(new Error(`${errorCode}: ${errorMessage}`), {
    name: 'ServerError',
    errorCode,
    errorMessage,
    status,
  });
}

describe('StaticTokenProvider', () => {
  const TOKEN = 'eyJhbGciOi.static-token-value.sig';

  it('returns the token, tolerating a pasted "Bearer " prefix', async () => {
    await expect(new StaticTokenProvider(TOKEN).getToken({ forceRefresh: false })).resolves.toBe(TOKEN);
    await expect(new StaticTokenProvider(`Bearer ${TOKEN}\n`).getToken({ forceRefresh: false })).resolves.toBe(TOKEN);
  });

  it('a refresh hands back the same token (one more try), and a second refusal says whether it expired, without the token', async () => {
    await expect(new StaticTokenProvider(TOKEN).getToken({ forceRefresh: true })).resolves.toBe(TOKEN);
    const jwt = (claims: object): string =>
      `eyJhbGciOiJub25lIn0.${Buffer.from(JSON.stringify(claims)).toString('base64url')}.c2ln`;
    const now = Date.UTC(2026, 0, 1, 12, 0, 0);
    const expired = new StaticTokenProvider(jwt({ exp: now / 1000 - 600, upn: 'admin@contoso.com' })).refusedTwice(
      now,
      'Get-User',
    );
    expect(expired).toBeInstanceOf(AuthenticationError);
    expect(expired.message).toMatch(
      /refused the access token from `access_token` twice.*It has expired: its `exp` claim is 2026-01-01T11:50:00.000Z \(10 min ago\)/,
    );
    expect(expired.remedy).toMatch(/fresh token in `access_token`.*`client_id`/);
    const valid = jwt({ exp: now / 1000 + 3600 });
    const current = new StaticTokenProvider(valid).refusedTwice(now);
    expect(current.message).toMatch(/has not expired.*in 60 min.*audience or tenant/);
    for (const error of [expired, current]) {
      expect(`${error.message} ${error.remedy}`).not.toContain('c2ln');
      expect(`${error.message} ${error.remedy}`).not.toContain('admin@contoso.com');
      expect(`${error.message} ${error.remedy}`).not.toContain(valid.split('.')[1]);
    }
    expect(new StaticTokenProvider(TOKEN).refusedTwice(now).message).toContain('no readable `exp` claim');
  });

  it('refuses an empty or malformed token without echoing it', () => {
    for (const token of ['', '   ', 'two words', 'line\nbreak', 'tøken']) {
      const error = captureError(() => new StaticTokenProvider(token)) as ConfigurationError;
      expect(error).toBeInstanceOf(ConfigurationError);
      expect(error.attributes).toEqual(['access_token']);
      if (token.trim()) expect(error.message).not.toContain(token);
    }
  });

  it('describes itself without the token, and honours an aborted signal', async () => {
    const provider = new StaticTokenProvider(TOKEN);
    expect(provider.describe()).toBe('a static access token');
    const controller = new AbortController();
    controller.abort();
    await expect(provider.getToken({ forceRefresh: false, signal: controller.signal })).rejects.toBeInstanceOf(
      CancelledError,
    );
  });
});

describe('ClientSecretTokenProvider (fake MSAL client)', () => {
  it('configures MSAL for the tenant authority and the Exchange scope, once', async () => {
    const { client, configurations, createClient } = fakeClientFactory();
    const provider = new ClientSecretTokenProvider({
      organization: ORG,
      clientId: CLIENT_ID,
      clientSecret: SECRET,
      createClient,
    });
    expect(configurations).toHaveLength(0); // nothing happens until a token is needed

    await expect(provider.getToken({ forceRefresh: false })).resolves.toBe('token-1');
    await expect(provider.getToken({ forceRefresh: false })).resolves.toBe('token-2');
    expect(configurations).toEqual([
      { auth: { clientId: CLIENT_ID, authority: `https://login.microsoftonline.com/${ORG}`, clientSecret: SECRET } },
    ]);
    expect(client.requests).toEqual([
      { scopes: ['https://outlook.office365.com/.default'], skipCache: false },
      { scopes: ['https://outlook.office365.com/.default'], skipCache: false },
    ]);
  });

  it("bypasses MSAL's cache on forceRefresh", async () => {
    const { client, createClient } = fakeClientFactory();
    const provider = new ClientSecretTokenProvider({
      organization: ORG,
      clientId: CLIENT_ID,
      clientSecret: SECRET,
      createClient,
    });
    await provider.getToken({ forceRefresh: true });
    expect(client.requests[0]!.skipCache).toBe(true);
  });

  it('joins concurrent requests into one call to Entra ID, but never lets a forced refresh join a cached one', async () => {
    const { client, createClient } = fakeClientFactory();
    let release!: () => void;
    client.pending = new Promise((resolve) => (release = resolve));
    const provider = new ClientSecretTokenProvider({
      organization: ORG,
      clientId: CLIENT_ID,
      clientSecret: SECRET,
      createClient,
    });
    const plain = [
      provider.getToken({ forceRefresh: false }),
      provider.getToken({ forceRefresh: false }),
      provider.getToken({ forceRefresh: false }),
    ];
    const forced = [provider.getToken({ forceRefresh: true }), provider.getToken({ forceRefresh: true })];
    release();
    expect(await Promise.all(plain)).toEqual(['token-1', 'token-1', 'token-1']);
    expect(await Promise.all(forced)).toEqual(['token-2', 'token-2']);
    expect(client.requests.map((request) => request.skipCache)).toEqual([false, true]);
  });

  it('maps a refused secret to AuthenticationError with a remedy and never shows the secret', async () => {
    const { client, createClient } = fakeClientFactory();
    // Even if Entra (or MSAL) echoed the secret, it must not reach the user.
    client.answers = [
      entraError(
        'invalid_client',
        `AADSTS7000215: Invalid client secret provided ('${SECRET}'). Ensure the secret being sent is the client secret value.\r\nTrace ID: 1\r\nCorrelation ID: 2`,
      ),
    ];
    const provider = new ClientSecretTokenProvider({
      organization: ORG,
      clientId: CLIENT_ID,
      clientSecret: SECRET,
      createClient,
    });
    const error = (await provider.getToken({ forceRefresh: false }).catch((e: unknown) => e)) as AuthenticationError;
    expect(error).toBeInstanceOf(AuthenticationError);
    expect(error.message).toContain('AADSTS7000215');
    expect(error.message).not.toContain('Trace ID');
    expect(error.remedy).toContain("secret's Value (not its Secret ID)");
    expect(
      JSON.stringify({ message: error.message, remedy: error.remedy, describe: provider.describe() }),
    ).not.toContain(SECRET);
  });

  it.each([
    ['AADSTS700016: Application with identifier was not found in the directory', '`client_id`', AuthenticationError],
    // An unknown tenant is a configuration error of `organization`, with the tenant remedy (not a credential one).
    ['AADSTS90002: Tenant not found.', 'EXO_ORGANIZATION', ConfigurationError],
    ['AADSTS7000222: The provided client secret keys are expired.', 'expired', AuthenticationError],
    ['AADSTS50000: something new', 'Exchange.ManageAsApp', AuthenticationError],
  ] as const)('gives a remedy for %s', async (message, remedy, kind) => {
    const { client, createClient } = fakeClientFactory();
    client.answers = [entraError('invalid_request', message)];
    const provider = new ClientSecretTokenProvider({
      organization: ORG,
      clientId: CLIENT_ID,
      clientSecret: SECRET,
      createClient,
    });
    const error = (await provider.getToken({ forceRefresh: false }).catch((e: unknown) => e)) as AuthenticationError;
    expect(error).toBeInstanceOf(kind);
    expect(error.remedy).toContain(remedy);
  });

  it('treats network failures and Entra outages as transient', async () => {
    const { client, createClient } = fakeClientFactory();
    client.answers = [
      Object.assign(new Error('network_error'), {
        name: 'ClientAuthError',
        errorCode: 'network_error',
        errorMessage: 'Network request failed',
      }),
      entraError('temporarily_unavailable', 'AADSTS90033', 503),
    ];
    const provider = new ClientSecretTokenProvider({
      organization: ORG,
      clientId: CLIENT_ID,
      clientSecret: SECRET,
      createClient,
    });
    const first = await provider.getToken({ forceRefresh: false }).catch((e: unknown) => e);
    expect(first).toBeInstanceOf(TransientError);
    expect((first as TransientError).message).toContain('login.microsoftonline.com');
    await expect(provider.getToken({ forceRefresh: false })).rejects.toBeInstanceOf(TransientError);
  });

  it('validates client_id and the secret up front', () => {
    expect(
      (
        captureError(
          () => new ClientSecretTokenProvider({ organization: ORG, clientId: 'my-app', clientSecret: SECRET }),
        ) as ConfigurationError
      ).attributes,
    ).toEqual(['client_id']);
    expect(
      (
        captureError(
          () => new ClientSecretTokenProvider({ organization: ORG, clientId: CLIENT_ID, clientSecret: '' }),
        ) as ConfigurationError
      ).attributes,
    ).toEqual(['client_secret']);
    expect(
      (
        captureError(
          () => new ClientSecretTokenProvider({ organization: 'bad org', clientId: CLIENT_ID, clientSecret: SECRET }),
        ) as ConfigurationError
      ).attributes,
    ).toEqual(['organization']);
  });

  it('cancels a pending token request when the signal aborts', async () => {
    const { client, createClient } = fakeClientFactory();
    client.pending = new Promise(() => undefined);
    const provider = new ClientSecretTokenProvider({
      organization: ORG,
      clientId: CLIENT_ID,
      clientSecret: SECRET,
      createClient,
    });
    const controller = new AbortController();
    const token = provider.getToken({ forceRefresh: false, signal: controller.signal });
    controller.abort();
    await expect(token).rejects.toBeInstanceOf(CancelledError);
  });
});

describe('CertificateTokenProvider (fake MSAL client)', () => {
  let certificate: TestCertificate;
  beforeAll(() => {
    certificate = makeCertificate();
  });

  it('passes the SHA-256 thumbprint, the unencrypted key and the chain to MSAL', async () => {
    const path = writeTemp('app.pfx', certificate.pfx(CERT_PASSWORD));
    const { configurations, createClient } = fakeClientFactory();
    const provider = new CertificateTokenProvider({
      organization: ORG,
      clientId: CLIENT_ID,
      certificatePath: path,
      certificatePassword: CERT_PASSWORD,
      createClient,
    });
    await provider.getToken({ forceRefresh: false });

    const auth = configurations[0]!.auth;
    expect(auth.clientId).toBe(CLIENT_ID);
    expect(auth.authority).toBe(`https://login.microsoftonline.com/${ORG}`);
    expect(auth.clientSecret).toBeUndefined();
    expect(auth.clientCertificate!.thumbprintSha256).toBe(certificate.thumbprintSha256);
    expect(auth.clientCertificate!.privateKey).toMatch(/^-----BEGIN PRIVATE KEY-----/);
    expect(new X509Certificate(auth.clientCertificate!.x5c!).fingerprint256).toBe(
      new X509Certificate(certificate.certPem).fingerprint256,
    );
    expect(provider.describe()).toBe(
      `certificate ${path} (SHA-256 thumbprint ${certificate.thumbprintSha256}) of app ${CLIENT_ID} in ${ORG}`,
    );
  });

  it('reads the file only when a token is first needed, and reports an unreadable file then', async () => {
    const { configurations, createClient } = fakeClientFactory();
    const provider = new CertificateTokenProvider({
      organization: ORG,
      clientId: CLIENT_ID,
      certificatePath: '/nonexistent/app.pfx',
      certificatePassword: CERT_PASSWORD,
      createClient,
    });
    const error = (await provider.getToken({ forceRefresh: false }).catch((e: unknown) => e)) as ConfigurationError;
    expect(error).toBeInstanceOf(ConfigurationError);
    expect(error.attributes).toEqual(['certificate_path']);
    expect(error.message).toContain('/nonexistent/app.pfx');
    expect(configurations).toHaveLength(0);
  });

  it('never shows the certificate password or private key in errors or describe()', async () => {
    const path = writeTemp('app.pfx', certificate.pfx(CERT_PASSWORD));
    const wrong = new CertificateTokenProvider({
      organization: ORG,
      clientId: CLIENT_ID,
      certificatePath: path,
      certificatePassword: `${CERT_PASSWORD}-typo`,
      createClient: fakeClientFactory().createClient,
    });
    const passwordError = (await wrong
      .getToken({ forceRefresh: false })
      .catch((e: unknown) => e)) as ConfigurationError;
    expect(passwordError.attributes).toEqual(['certificate_password']);

    const { client, createClient } = fakeClientFactory();
    const provider = new CertificateTokenProvider({
      organization: ORG,
      clientId: CLIENT_ID,
      certificatePath: path,
      certificatePassword: CERT_PASSWORD,
      createClient,
    });
    client.answers = [
      entraError(
        'invalid_client',
        `AADSTS700027: Client assertion failed signature validation. (password ${CERT_PASSWORD})`,
      ),
    ];
    const entra = (await provider.getToken({ forceRefresh: false }).catch((e: unknown) => e)) as AuthenticationError;
    expect(entra.remedy).toContain(certificate.thumbprintSha256);

    const everything = JSON.stringify([
      passwordError.message,
      passwordError.remedy,
      entra.message,
      entra.remedy,
      wrong.describe(),
      provider.describe(),
    ]);
    expect(everything).not.toContain(CERT_PASSWORD);
    expect(everything).not.toContain('PRIVATE KEY');
  });
});

/**
 * The real MSAL client, with a network module standing in for Entra ID: everything up to the HTTP call is MSAL's own
 * behaviour. What Entra ID then does with the request is not tested here.
 */
class FakeEntra implements INetworkModule {
  readonly gets: string[] = [];
  readonly tokenRequests: URLSearchParams[] = [];

  async sendGetRequestAsync<T>(url: string): Promise<NetworkResponse<T>> {
    this.gets.push(url);
    const base = `https://login.microsoftonline.com/${ORG}`;
    if (url.includes('/.well-known/openid-configuration')) {
      return this.reply({
        token_endpoint: `${base}/oauth2/v2.0/token`,
        issuer: `https://login.microsoftonline.com/${ORG}/v2.0`,
        authorization_endpoint: `${base}/oauth2/v2.0/authorize`,
        end_session_endpoint: `${base}/oauth2/v2.0/logout`,
        jwks_uri: `${base}/discovery/v2.0/keys`,
      });
    }
    if (url.includes('/discovery/instance')) {
      return this.reply({
        tenant_discovery_endpoint: `${base}/v2.0/.well-known/openid-configuration`,
        'api-version': '1.1',
        metadata: [
          {
            preferred_network: 'login.microsoftonline.com',
            preferred_cache: 'login.windows.net',
            aliases: ['login.microsoftonline.com', 'login.windows.net'],
          },
        ],
      });
    }
    return this.reply({ error: 'not_found' }, 404);
  }

  async sendPostRequestAsync<T>(url: string, options?: NetworkRequestOptions): Promise<NetworkResponse<T>> {
    expect(url).toContain(`https://login.microsoftonline.com/${ORG}/oauth2/v2.0/token`);
    this.tokenRequests.push(new URLSearchParams(options?.body ?? ''));
    return this.reply({
      token_type: 'Bearer',
      expires_in: 3599,
      ext_expires_in: 3599,
      access_token: `entra-token-${this.tokenRequests.length}`,
    });
  }

  private reply<T>(body: unknown, status = 200): NetworkResponse<T> {
    return { headers: {}, body: body as T, status };
  }
}

describe('token providers with the real MSAL client (fake Entra ID network)', () => {
  const withFakeNetwork = (entra: FakeEntra) => (configuration: Configuration) =>
    new ConfidentialClientApplication({ ...configuration, system: { ...configuration.system, networkClient: entra } });

  it('certificate: sends a client assertion signed with the key, naming the SHA-256 thumbprint and chain', async () => {
    const certificate = makeCertificate();
    const entra = new FakeEntra();
    const provider = new CertificateTokenProvider({
      organization: ORG,
      clientId: CLIENT_ID,
      certificatePath: writeTemp('app.pem', certificate.certPem + certificate.encryptedKeyPem(CERT_PASSWORD)),
      certificatePassword: CERT_PASSWORD,
      createClient: withFakeNetwork(entra),
    });
    await expect(provider.getToken({ forceRefresh: false })).resolves.toBe('entra-token-1');

    const form = entra.tokenRequests[0]!;
    expect(form.get('grant_type')).toBe('client_credentials');
    expect(form.get('client_id')).toBe(CLIENT_ID);
    expect(form.get('scope')).toContain('https://outlook.office365.com/.default');
    expect(form.get('client_secret')).toBeNull();
    expect(form.get('client_assertion_type')).toBe('urn:ietf:params:oauth:client-assertion-type:jwt-bearer');

    const [headerPart, payloadPart, signaturePart] = form.get('client_assertion')!.split('.');
    const header = JSON.parse(Buffer.from(headerPart!, 'base64url').toString());
    const payload = JSON.parse(Buffer.from(payloadPart!, 'base64url').toString());
    expect(header.alg).toBe('PS256');
    expect(Buffer.from(header['x5t#S256'], 'base64url').toString('hex').toUpperCase()).toBe(
      certificate.thumbprintSha256,
    );
    expect(header.x5c).toEqual([new X509Certificate(certificate.certPem).raw.toString('base64')]);
    expect(payload).toMatchObject({
      iss: CLIENT_ID,
      sub: CLIENT_ID,
      aud: expect.stringContaining(`login.microsoftonline.com/${ORG}/oauth2/v2.0/token`),
    });
    const signed = verify(
      'sha256',
      Buffer.from(`${headerPart}.${payloadPart}`),
      {
        key: createPublicKey(certificate.certPem),
        padding: constants.RSA_PKCS1_PSS_PADDING,
        saltLength: constants.RSA_PSS_SALTLEN_DIGEST,
      },
      Buffer.from(signaturePart!, 'base64url'),
    );
    expect(signed).toBe(true);
  });

  it('client secret: MSAL caches the token, and forceRefresh goes back to Entra ID', async () => {
    const entra = new FakeEntra();
    const provider = new ClientSecretTokenProvider({
      organization: ORG,
      clientId: CLIENT_ID,
      clientSecret: SECRET,
      createClient: withFakeNetwork(entra),
    });
    await expect(provider.getToken({ forceRefresh: false })).resolves.toBe('entra-token-1');
    await expect(provider.getToken({ forceRefresh: false })).resolves.toBe('entra-token-1'); // from MSAL's cache
    expect(entra.tokenRequests).toHaveLength(1);
    expect(entra.tokenRequests[0]!.get('client_secret')).toBe(SECRET);
    await expect(provider.getToken({ forceRefresh: true })).resolves.toBe('entra-token-2');
    expect(entra.tokenRequests).toHaveLength(2);
  });
});

function captureError(action: () => unknown): unknown {
  try {
    action();
  } catch (error) {
    return error;
  }
  throw new Error('expected an error');
}
