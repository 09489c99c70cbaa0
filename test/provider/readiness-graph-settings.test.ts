/**
 * Where the readiness data source gets a Microsoft Graph token from the provider's settings: with only an Exchange
 * `access_token` against a real tenant there is none, nothing is called, and the data source says "not read" with
 * the setting to supply; `graph_access_token` (or EXO_GRAPH_ACCESS_TOKEN) or app credentials give one.
 */
import { createExoformProvider, PROVIDER_ENVIRONMENT, type ExchangeClient } from '../../src/provider/provider';
import { readGraphEvidence } from '../../src/provider/data-sources/smtp-auth-readiness';
import { createGraphClient, graphBaseUrl } from '../../src/graph/graph-auth';
import { GraphClient } from '../../src/graph/graph-client';
import { createLogger } from '../../src/protocol/logging';
import type { ObjectValue } from '../../src/provider/framework/values';

async function configure(
  settings: Record<string, string>,
  environment: NodeJS.ProcessEnv = {},
): Promise<ExchangeClient> {
  const config: ObjectValue = Object.fromEntries(
    Object.keys(PROVIDER_ENVIRONMENT).map((name) => [name, settings[name] ?? null]),
  );
  const provider = createExoformProvider(
    createLogger('error', () => undefined),
    environment,
  );
  return provider.configure(config, { signal: new AbortController().signal, terraformVersion: '1.11.4' });
}

describe('the readiness data source and Graph tokens', () => {
  const realFetch = globalThis.fetch;
  let fetched: string[] = [];
  beforeEach(() => {
    fetched = [];
    globalThis.fetch = (async (url: string | URL) => {
      fetched.push(String(url));
      throw new Error('no network in this test');
    }) as typeof fetch;
  });
  afterEach(() => {
    globalThis.fetch = realFetch;
  });

  it('an Exchange access_token alone: not read, no Graph call, and the remedy names graph_access_token', async () => {
    const client = await configure({ organization: 'contoso.onmicrosoft.com', access_token: 'exchange-token-abc' });
    const read = await readGraphEvidence(client);
    expect(read.client).toBe(false);
    expect(fetched).toEqual([]);
    expect(read.detail).toMatch(
      /^Security defaults and usage evidence: not read: no Graph token: an Exchange access token cannot call Microsoft Graph \(set `graph_access_token` in the provider block \(or EXO_GRAPH_ACCESS_TOKEN\)/,
    );
    expect(read.detail).not.toContain('exchange-token-abc');
    expect(read.module.securityDefaultsState(read.evidence)).toBe('unknown');
    expect(read.module.mailboxUsage(read.evidence, ['someone@contoso.com']).usage).toEqual({
      kind: 'none-available',
      reason: expect.stringContaining('no Graph token'),
    });
  });

  it('graph_access_token, from the block or EXO_GRAPH_ACCESS_TOKEN, gives a Graph client on graph.microsoft.com', async () => {
    for (const [settings, environment] of [
      [
        { organization: 'contoso.onmicrosoft.com', access_token: 'exchange-token', graph_access_token: 'graph-token' },
        {},
      ],
      [
        { organization: 'contoso.onmicrosoft.com', access_token: 'exchange-token' },
        { EXO_GRAPH_ACCESS_TOKEN: 'graph-token' },
      ],
    ] as const) {
      const client = await configure(settings, environment);
      expect(client.graph?.graphAccessToken).toBe('graph-token');
      const graph = createGraphClient(client.graph!, 'remedy');
      expect(graph).toBeInstanceOf(GraphClient);
      expect((graph as GraphClient).url('policies/identitySecurityDefaultsEnforcementPolicy')).toBe(
        'https://graph.microsoft.com/v1.0/policies/identitySecurityDefaultsEnforcementPolicy',
      );
      // The token is sent to Graph only: the one request goes there (and fails here: no network).
      const read = await readGraphEvidence(client);
      expect(read.client).toBe(true);
      expect(fetched.every((url) => url.startsWith('https://graph.microsoft.com/v1.0/'))).toBe(true);
      expect(read.detail).toMatch(/Security defaults: not read: Graph could not be read: no network in this test/);
      fetched = [];
    }
  });

  it('app credentials ask the same app for a Graph token; each cloud has its own Graph', () => {
    const graph = createGraphClient(
      {
        organization: 'contoso.onmicrosoft.com',
        clientId: '00000000-0000-0000-0000-0000000000aa',
        clientSecret: 's3cret',
      },
      'remedy',
    );
    expect(graph).toBeInstanceOf(GraphClient);
    expect(graphBaseUrl({ organization: 'x.onmicrosoft.us', environment: 'O365USGovGCCHigh' })).toBe(
      'https://graph.microsoft.us',
    );
    expect(graphBaseUrl({ organization: 'x.onmicrosoft.us', environment: 'dod' })).toBe(
      'https://dod-graph.microsoft.us',
    );
    expect(graphBaseUrl({ organization: 'x.partner.onmschina.cn', environment: 'china' })).toBe(
      'https://microsoftgraph.chinacloudapi.cn',
    );
    expect(
      createGraphClient(
        {
          organization: 'contoso.onmicrosoft.com',
          clientId: '00000000-0000-0000-0000-0000000000aa',
          noGraphReason: 'the provider signs in to Exchange interactively (`user_principal_name`)',
        },
        'set it',
      ),
    ).toEqual({
      available: false,
      reason: 'no Graph token: the provider signs in to Exchange interactively (`user_principal_name`) (set it)',
    });
  });
});
