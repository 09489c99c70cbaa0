/**
 * Where Microsoft Graph is and how to get a token for it, from the same credential settings the Exchange bridge
 * uses: `exoform report` (EXO_* variables, fleet files) and the provider's readiness data source both build their
 * Graph client here.
 *
 * Graph needs a token for its own audience (graph.microsoft.com, or the national cloud's Graph). An Entra app
 * (client secret, certificate or federated credential) gets one from the same app, asked for the Graph scope. A
 * ready-made Exchange access token cannot call Graph: a separate Graph token must be given. Against the emulator
 * (a loopback endpoint) the emulator's one token serves both.
 *
 * Graph hosts per cloud: Microsoft Graph docs, "National cloud deployments" (graph.microsoft.com for worldwide and
 * GCC, graph.microsoft.us for GCC High, dod-graph.microsoft.us for DoD, microsoftgraph.chinacloudapi.cn for 21Vianet).
 */
import { resolveCloud, type Cloud } from '../bridge/clouds';
import { ConfigurationError } from '../bridge/errors';
import { isSet } from '../bridge/settings';
import { createTokenProvider, type RestBridgeSettings } from '../bridge/rest/create-rest-bridge';
import { isLoopbackHost } from '../bridge/rest/endpoint';
import { StaticTokenProvider, type TokenProvider } from '../bridge/rest/token-provider';
import { DEFAULT_GRAPH_ENDPOINT, GraphClient } from './graph-client';
import type { Unavailable } from './smtp-evidence';

const GRAPH_HOSTS: Readonly<Record<Cloud['id'], string>> = {
  commercial: DEFAULT_GRAPH_ENDPOINT,
  gcc: DEFAULT_GRAPH_ENDPOINT,
  gcchigh: 'https://graph.microsoft.us',
  dod: 'https://dod-graph.microsoft.us',
  china: 'https://microsoftgraph.chinacloudapi.cn',
};

/** The credential settings Graph can be reached with: the Exchange bridge's (provider settings or EXO_*), plus Graph's own. */
export interface GraphSettings extends RestBridgeSettings {
  /** A ready-made token for Microsoft Graph (EXO_GRAPH_ACCESS_TOKEN, or the provider's `graph_access_token`). */
  graphAccessToken?: string;
  /** Graph's base URL when not derived (EXO_GRAPH_ENDPOINT). */
  graphEndpoint?: string;
  /** Set when these credentials can never yield a Graph token (e.g. an interactive PowerShell sign-in): why. */
  noGraphReason?: string;
}

const set = (value: string | undefined): string | undefined => (isSet(value) ? value : undefined);

function loopbackEndpoint(settings: GraphSettings): boolean {
  const endpoint = set(settings.endpoint);
  if (!endpoint) return false;
  try {
    return isLoopbackHost(new URL(endpoint).hostname);
  } catch {
    return false;
  }
}

/** The Graph base URL for a tenant: explicit, else the emulator's /graph/{tenant} when Exchange is a loopback endpoint, else the cloud's Graph. */
export function graphBaseUrl(settings: GraphSettings): string {
  const organization = settings.organization ?? '';
  const explicit = set(settings.graphEndpoint);
  if (explicit) {
    let url: URL;
    try {
      url = new URL(explicit);
    } catch {
      throw new ConfigurationError(
        `EXO_GRAPH_ENDPOINT ${JSON.stringify(explicit.slice(0, 120))} is not a URL.`,
        `Set it to ${DEFAULT_GRAPH_ENDPOINT} (the default) or an emulator's http://127.0.0.1:<port>/graph.`,
        ['graph_endpoint'],
      );
    }
    if (url.protocol !== 'https:' && !(url.protocol === 'http:' && isLoopbackHost(url.hostname))) {
      throw new ConfigurationError(
        'EXO_GRAPH_ENDPOINT uses plain http on a non-loopback host, which would send the token unencrypted.',
        'Use https://, or http only for a local emulator.',
        ['graph_endpoint'],
      );
    }
    if (url.username || url.password || url.search)
      throw new ConfigurationError(
        'EXO_GRAPH_ENDPOINT contains credentials or a query.',
        'Give only scheme, host, port and path.',
        ['graph_endpoint'],
      );
    const base = `${url.origin}${url.pathname.replace(/\/+$/, '')}`;
    // The emulator serves every tenant under /graph/{tenant}: the tenant comes from the path there, not the token.
    return /\/graph$/i.test(base) ? `${base}/${encodeURIComponent(organization)}` : base;
  }
  if (loopbackEndpoint(settings))
    return `${new URL(settings.endpoint!).origin}/graph/${encodeURIComponent(organization)}`;
  return GRAPH_HOSTS[resolveCloud(settings.environment, set(settings.endpoint)).id];
}

/**
 * A token provider for Graph, or why there is none. `remedy` says, in the caller's terms (an environment variable
 * for the CLI, a provider setting for Terraform), what to supply when only an Exchange token was given.
 */
export function graphTokenProvider(settings: GraphSettings, remedy: string): TokenProvider | Unavailable {
  if (set(settings.graphAccessToken)) return new StaticTokenProvider(settings.graphAccessToken!);
  if (settings.noGraphReason)
    return { available: false, reason: `no Graph token: ${settings.noGraphReason} (${remedy})` };
  if (isSet(settings.clientId)) {
    // An Entra app: the credential the Exchange bridge signs in with, asked for the Graph resource's scope
    // (https://graph.microsoft.com/.default, or the national cloud's) at the cloud's authority.
    const cloud = resolveCloud(settings.environment, set(settings.endpoint));
    return createTokenProvider({ ...settings, accessToken: undefined }, undefined, {
      ...cloud,
      scope: `${GRAPH_HOSTS[cloud.id]}/.default`,
    });
  }
  if (set(settings.accessToken) && loopbackEndpoint(settings)) return new StaticTokenProvider(settings.accessToken!);
  return {
    available: false,
    reason: `no Graph token: an Exchange access token cannot call Microsoft Graph (${remedy})`,
  };
}

/** A Graph client for these settings (its requests end when `signal` aborts), or why there is none. Throws ConfigurationError for a malformed Graph endpoint. */
export function createGraphClient(
  settings: GraphSettings,
  remedy: string,
  signal?: AbortSignal,
): GraphClient | Unavailable {
  const provider = graphTokenProvider(settings, remedy);
  if ('available' in provider) return provider;
  return new GraphClient({ baseUrl: graphBaseUrl(settings), tokenProvider: provider, signal });
}
