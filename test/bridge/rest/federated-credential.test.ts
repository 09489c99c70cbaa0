/**
 * Workload identity federation against a fake Entra token endpoint on loopback (real HTTP): the request carries the
 * file's JWT as a jwt-bearer client assertion, the file is re-read on every acquisition, tokens are reused until
 * near expiry, refusals name the remedy without echoing the assertion; and the token signs in to the emulator.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AuthenticationError, ConfigurationError } from '../../../src/bridge/errors';
import { createTokenProvider } from '../../../src/bridge/rest/create-rest-bridge';
import { CLIENT_ASSERTION_TYPE, FederatedTokenProvider } from '../../../src/bridge/rest/federated-credential';
import { RestBridge } from '../../../src/bridge/rest/rest-bridge';
import { startTestEmulator } from '../../support/emulator';
import { createExoformProvider } from '../../../src/provider/provider';
import { DiagnosticError } from '../../../src/provider/framework/resource';
import type { Logger } from '../../../src/protocol/logging';

const ORG = 'contoso.onmicrosoft.com';
const CLIENT_ID = '00000000-0000-0000-0000-0000000000aa';
const jwt = (subject: string): string =>
  `${Buffer.from('{"alg":"RS256"}').toString('base64url')}.${Buffer.from(JSON.stringify({ sub: subject })).toString('base64url')}.c2lnbmF0dXJl`;

interface TokenRequest {
  path: string;
  contentType: string;
  form: Record<string, string>;
}

/** A fake https://login.microsoftonline.com/{tenant}/oauth2/v2.0/token: answers with `reply(request)`. */
async function fakeTokenEndpoint(
  reply: (request: TokenRequest) => { status: number; body: object },
): Promise<{ url: string; requests: TokenRequest[]; close(): Promise<void> }> {
  const requests: TokenRequest[] = [];
  const server: Server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk) => (body += chunk));
    req.on('end', () => {
      const request = {
        path: req.url ?? '',
        contentType: String(req.headers['content-type']),
        form: Object.fromEntries(new URLSearchParams(body)),
      };
      requests.push(request);
      const { status, body: answer } = reply(request);
      res.writeHead(status, { 'Content-Type': 'application/json' }).end(JSON.stringify(answer));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${address.port}`,
    requests,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

describe('FederatedTokenProvider', () => {
  let directory: string;
  let tokenFile: string;
  beforeEach(() => {
    directory = mkdtempSync(join(tmpdir(), 'exoform-federated-'));
    tokenFile = join(directory, 'oidc-token');
  });
  afterEach(() => rmSync(directory, { recursive: true, force: true }));

  test('sends the file as a jwt-bearer client assertion, re-reads it on every acquisition, and reuses tokens until near expiry', async () => {
    let issued = 0;
    const entra = await fakeTokenEndpoint(() => ({
      status: 200,
      body: { token_type: 'Bearer', expires_in: 3599, access_token: `access-${++issued}` },
    }));
    let now = 1_000_000;
    try {
      const provider = new FederatedTokenProvider({
        organization: ORG,
        clientId: CLIENT_ID,
        tokenFile,
        authorityHost: entra.url,
        now: () => now,
      });
      writeFileSync(tokenFile, `${jwt('repo:contoso/exo:ref:refs/heads/main')}\n`);
      expect(await provider.getToken({ forceRefresh: false })).toBe('access-1');
      expect(entra.requests[0]).toEqual({
        path: `/${ORG}/oauth2/v2.0/token`,
        contentType: 'application/x-www-form-urlencoded',
        form: {
          client_id: CLIENT_ID,
          scope: 'https://outlook.office365.com/.default',
          grant_type: 'client_credentials',
          client_assertion_type: CLIENT_ASSERTION_TYPE,
          client_assertion: jwt('repo:contoso/exo:ref:refs/heads/main'),
        },
      });
      // Cached: no second request while the token is fresh; concurrent callers share one request.
      now += 30 * 60_000;
      expect(
        await Promise.all([provider.getToken({ forceRefresh: false }), provider.getToken({ forceRefresh: false })]),
      ).toEqual(['access-1', 'access-1']);
      expect(entra.requests).toHaveLength(1);
      // The CI rotated the file: the next acquisition (forced, or near expiry) sends the new assertion.
      writeFileSync(tokenFile, jwt('rotated'));
      expect(await provider.getToken({ forceRefresh: true })).toBe('access-2');
      expect(entra.requests[1]!.form.client_assertion).toBe(jwt('rotated'));
      writeFileSync(tokenFile, jwt('rotated-again'));
      now += 56 * 60_000; // within five minutes of expiry
      expect(await provider.getToken({ forceRefresh: false })).toBe('access-3');
      expect(entra.requests[2]!.form.client_assertion).toBe(jwt('rotated-again'));
    } finally {
      await entra.close();
    }
  });

  test('a refusal says why and what to fix, and never repeats the assertion', async () => {
    const assertion = jwt('repo:contoso/exo:pull_request');
    const entra = await fakeTokenEndpoint((request) => ({
      status: 400,
      body: {
        error: 'invalid_client',
        error_description: `AADSTS700213: No matching federated identity record found for presented assertion subject 'repo:contoso/exo:pull_request'. ${request.form.client_assertion}\r\nTrace ID: 1`,
      },
    }));
    try {
      writeFileSync(tokenFile, assertion);
      const provider = new FederatedTokenProvider({
        organization: ORG,
        clientId: CLIENT_ID,
        tokenFile,
        authorityHost: entra.url,
      });
      const error = await provider.getToken({ forceRefresh: false }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(AuthenticationError);
      const text = `${(error as AuthenticationError).message} ${(error as AuthenticationError).remedy}`;
      expect(text).toContain('AADSTS700213');
      expect(text).toContain('federated credential whose issuer, subject and audience');
      expect(text).not.toContain(assertion);
      expect(text).not.toContain('Trace ID');
    } finally {
      await entra.close();
    }
  });

  test('a missing or malformed token file is a configuration error naming federated_token_file', async () => {
    const provider = new FederatedTokenProvider({
      organization: ORG,
      clientId: CLIENT_ID,
      tokenFile,
      authorityHost: 'http://127.0.0.1:9',
    });
    const missing = await provider.getToken({ forceRefresh: false }).catch((e: unknown) => e);
    expect(missing).toBeInstanceOf(ConfigurationError);
    expect((missing as ConfigurationError).attributes).toContain('federated_token_file');
    expect((missing as ConfigurationError).message).toContain('ENOENT');
    writeFileSync(tokenFile, '{"value":"not the token itself"}');
    const malformed = await provider.getToken({ forceRefresh: false }).catch((e: unknown) => e);
    expect((malformed as ConfigurationError).message).toContain('does not hold a JWT');
  });

  test('the settings: client_id is required, and it is one credential among the others', () => {
    expect(
      createTokenProvider({ organization: ORG, clientId: CLIENT_ID, federatedTokenFile: tokenFile }),
    ).toBeInstanceOf(FederatedTokenProvider);
    expect(() => createTokenProvider({ organization: ORG, federatedTokenFile: tokenFile })).toThrow(
      /`federated_token_file` is set but `client_id` is not/,
    );
    expect(() =>
      createTokenProvider({ organization: ORG, clientId: CLIENT_ID, clientSecret: 'x', federatedTokenFile: tokenFile }),
    ).toThrow(/`client_secret` and `federated_token_file` are both set/);
  });

  test("GitHub Actions: the assertion is requested from the job's OIDC endpoint for every acquisition", async () => {
    const github: Array<{ url: string; authorization?: string }> = [];
    let minted = 0;
    const server: Server = createServer((req, res) => {
      github.push({ url: req.url ?? '', authorization: req.headers.authorization });
      res
        .writeHead(200, { 'Content-Type': 'application/json' })
        .end(JSON.stringify({ count: 1, value: jwt(`github-${++minted}`) }));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const requestUrl = `http://127.0.0.1:${(server.address() as { port: number }).port}/_apis/distributedtask/token?api-version=2.0`;
    const entra = await fakeTokenEndpoint((request) => ({
      status: 200,
      body: { expires_in: 3599, access_token: `for-${request.form.client_assertion}` },
    }));
    try {
      const provider = createTokenProvider({
        organization: ORG,
        clientId: CLIENT_ID,
        federatedTokenRequest: { url: requestUrl, bearer: 'runtime-request-token' },
      });
      expect(provider).toBeInstanceOf(FederatedTokenProvider);
      // The authority is the real one unless told otherwise; this test points it at the fake.
      const local = new FederatedTokenProvider({
        organization: ORG,
        clientId: CLIENT_ID,
        tokenRequest: { url: requestUrl, bearer: 'runtime-request-token' },
        authorityHost: entra.url,
      });
      expect(await local.getToken({ forceRefresh: false })).toBe(`for-${jwt('github-1')}`);
      expect(await local.getToken({ forceRefresh: true })).toBe(`for-${jwt('github-2')}`);
      expect(github).toHaveLength(2);
      const asked = new URL(github[0]!.url, 'http://x');
      expect(asked.searchParams.get('api-version')).toBe('2.0');
      expect(asked.searchParams.get('audience')).toBe('api://AzureADTokenExchange');
      expect(github[0]!.authorization).toBe('Bearer runtime-request-token');
      expect(entra.requests.map((r) => r.form.client_assertion_type)).toEqual([
        CLIENT_ASSERTION_TYPE,
        CLIENT_ASSERTION_TYPE,
      ]);
    } finally {
      await entra.close();
      await new Promise((resolve) => server.close(resolve));
    }
  });

  test('the federated token signs in to the emulator through the REST bridge', async () => {
    const emulator = await startTestEmulator();
    const entra = await fakeTokenEndpoint((request) =>
      request.form.client_assertion_type === CLIENT_ASSERTION_TYPE && request.form.client_assertion === jwt('ci')
        ? { status: 200, body: { token_type: 'Bearer', expires_in: 3599, access_token: emulator.token } }
        : { status: 401, body: { error: 'invalid_client' } },
    );
    writeFileSync(tokenFile, jwt('ci'));
    const bridge = new RestBridge({
      organization: ORG,
      endpoint: emulator.url,
      tokenProvider: new FederatedTokenProvider({
        organization: ORG,
        clientId: CLIENT_ID,
        tokenFile,
        authorityHost: entra.url,
      }),
    });
    try {
      const result = await bridge.invoke('Get-TransportConfig', {});
      expect(result.rows[0]).toHaveProperty('SmtpClientAuthenticationDisabled');
      expect(entra.requests).toHaveLength(1);
    } finally {
      await bridge.close();
      await entra.close();
      await emulator.stop();
    }
  });
});

describe('provider settings for federation', () => {
  const logger: Logger = { enabled: () => false, log: () => undefined };
  const options = { signal: new AbortController().signal, terraformVersion: '1.11.4' };
  const configure = async (config: Record<string, string>, environment: NodeJS.ProcessEnv): Promise<string> => {
    try {
      await createExoformProvider(logger, environment).configure(
        { organization: ORG, endpoint: 'http://127.0.0.1:1', ...config },
        options,
      );
      return 'configured';
    } catch (error) {
      if (error instanceof DiagnosticError) return `${error.diagnostic.summary}: ${error.diagnostic.detail}`;
      throw error;
    }
  };

  test('federated_token_file / EXO_FEDERATED_TOKEN_FILE, AKS and GitHub Actions variables, and what they never override', async () => {
    expect(await configure({ client_id: CLIENT_ID, federated_token_file: '/var/run/ci/token' }, {})).toBe('configured');
    expect(await configure({}, { EXO_CLIENT_ID: CLIENT_ID, EXO_FEDERATED_TOKEN_FILE: '/var/run/ci/token' })).toBe(
      'configured',
    );
    expect(await configure({ federated_token_file: '/t' }, {})).toMatch(
      /`federated_token_file` is set but `client_id` is not/,
    );
    // AKS workload identity: used when nothing else is configured, with AZURE_CLIENT_ID.
    expect(
      await configure(
        {},
        {
          AZURE_FEDERATED_TOKEN_FILE: '/var/run/secrets/azure/tokens/azure-identity-token',
          AZURE_CLIENT_ID: CLIENT_ID,
        },
      ),
    ).toBe('configured');
    expect(
      await configure({}, { AZURE_FEDERATED_TOKEN_FILE: '/var/run/secrets/azure/tokens/azure-identity-token' }),
    ).toMatch(/`client_id` is not/);
    // ...and never in the way of a credential that is configured.
    expect(
      await configure({ access_token: 't' }, { AZURE_FEDERATED_TOKEN_FILE: '/x', AZURE_CLIENT_ID: CLIENT_ID }),
    ).toBe('configured');
    // GitHub Actions: with client_id and no other credential, the job's OIDC endpoint.
    const github = {
      ACTIONS_ID_TOKEN_REQUEST_URL: 'https://pipelines.actions.example/token?api-version=2.0',
      ACTIONS_ID_TOKEN_REQUEST_TOKEN: 'r',
    };
    expect(await configure({ client_id: CLIENT_ID }, github)).toBe('configured');
    expect(await configure({ client_id: CLIENT_ID }, {})).toMatch(
      /`client_id` is set without a credential[\s\S]*federated_token_file/,
    );
    expect(await configure({ bridge: 'powershell', client_id: CLIENT_ID, federated_token_file: '/t' }, {})).toMatch(
      /`federated_token_file` needs the REST bridge/,
    );
  });
});
