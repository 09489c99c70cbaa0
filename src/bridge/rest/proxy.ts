/**
 * Outbound proxy for the REST bridge, from the usual environment variables: HTTPS_PROXY (https URLs), HTTP_PROXY
 * (http URLs), lower-case forms too, and NO_PROXY. http-client.ts loads this module only when one of the proxy
 * variables is set, so a provider start without a proxy pays nothing for it.
 *
 * Every connection goes through an HTTP CONNECT tunnel (TLS then runs end to end, so the proxy never sees the
 * token); plain-http targets such as the emulator are tunnelled the same way. Proxy credentials may be given in the
 * proxy URL (`http://user:pass@proxy:3128`) and are sent as Proxy-Authorization; they never appear in errors.
 *
 * NO_PROXY: a comma- or space-separated list of host names (`example.com` also matches its subdomains, as does
 * `.example.com`), IP addresses, `host:port` entries, or `*` for everything. Like curl, loopback addresses are not
 * bypassed unless listed.
 */

import * as http from 'node:http';
import * as https from 'node:https';
import type { Duplex } from 'node:stream';
import * as tls from 'node:tls';
import { ConfigurationError, PROXY_REFUSED } from '../errors';

type Protocol = 'http:' | 'https:';

/** The proxy URL for `protocol`, from the environment; undefined if none. */
export function proxyUrlFor(protocol: Protocol, environment: NodeJS.ProcessEnv): URL | undefined {
  const name = protocol === 'https:' ? 'HTTPS_PROXY' : 'HTTP_PROXY';
  const raw = environment[name] || environment[name.toLowerCase()];
  if (!raw) return undefined;
  let url: URL;
  try {
    url = new URL(raw.includes('://') ? raw : `http://${raw}`);
  } catch {
    throw new ConfigurationError(
      `The ${name} environment variable is not a URL.`,
      `Set ${name} to the proxy's URL, e.g. http://proxy.example.com:3128.`,
      [],
    );
  }
  if (url.protocol !== 'http:') {
    throw new ConfigurationError(
      `${name} uses ${url.protocol.replace(':', '')}; exoform speaks to proxies over http:// (CONNECT tunnels).`,
      `Set ${name} to an http:// proxy URL.`,
      [],
    );
  }
  return url;
}

/** True when NO_PROXY says `host`:`port` is reached directly. */
export function bypassesProxy(host: string, port: number, environment: NodeJS.ProcessEnv): boolean {
  const list = (environment.NO_PROXY ?? environment.no_proxy ?? '').split(/[\s,]+/).filter(Boolean);
  const target = host.replace(/^\[|\]$/g, '').toLowerCase();
  for (const raw of list) {
    if (raw === '*') return true;
    let entry = raw.toLowerCase();
    const portMatch = /^(.*[^:]):(\d+)$/.exec(entry);
    if (portMatch && !entry.includes('::')) {
      if (Number(portMatch[2]) !== port) continue;
      entry = portMatch[1]!;
    }
    entry = entry.replace(/^\*?\./, '').replace(/^\[|\]$/g, '');
    if (target === entry || target.endsWith(`.${entry}`)) return true;
  }
  return false;
}

/** Opens a CONNECT tunnel to host:port through `proxy`. */
function tunnel(
  proxy: URL,
  host: string,
  port: number,
  callback: (error: Error | null, socket?: Duplex) => void,
): void {
  const headers: Record<string, string> = { Host: `${host}:${port}` };
  if (proxy.username) {
    headers['Proxy-Authorization'] =
      `Basic ${Buffer.from(`${decodeURIComponent(proxy.username)}:${decodeURIComponent(proxy.password)}`).toString('base64')}`;
  }
  const request = http.request({
    host: proxy.hostname,
    port: Number(proxy.port || 80),
    method: 'CONNECT',
    path: `${host}:${port}`,
    headers,
    agent: false,
  });
  const where = `the proxy ${proxy.hostname}:${proxy.port || 80}`;
  request.once('connect', (response, socket) => {
    if (response.statusCode === 200) return callback(null, socket);
    socket.destroy();
    const remedy =
      response.statusCode === 407 ? ' (proxy authentication required: put user:password in the proxy URL)' : '';
    // Its own code, so the error names the proxy (not the endpoint) as what to fix; never the proxy's credentials.
    callback(
      Object.assign(new Error(`${where} refused to tunnel to ${host}:${port}: HTTP ${response.statusCode}${remedy}`), {
        code: PROXY_REFUSED,
        proxyStatus: response.statusCode,
      }),
    );
  });
  // Connection errors keep their code (ECONNREFUSED, ENOTFOUND...) so http-client maps them like direct failures.
  request.once('error', (error) => callback(error));
  request.end();
}

/**
 * A keep-alive agent for `protocol` that tunnels through the environment's proxy, connecting directly to hosts
 * NO_PROXY names. `tlsOptions` (tests: a private CA) apply to the end-to-end TLS session.
 */
export function createProxyAgent(
  protocol: Protocol,
  environment: NodeJS.ProcessEnv,
  tlsOptions: tls.ConnectionOptions = {},
): http.Agent {
  const proxy = proxyUrlFor(protocol, environment);
  if (protocol === 'https:') {
    const agent = new https.Agent({ keepAlive: true, ...tlsOptions });
    const direct = agent.createConnection.bind(agent);
    agent.createConnection = ((
      options: tls.ConnectionOptions & { host: string; port?: number },
      callback: (error: Error | null, socket?: Duplex) => void,
    ) => {
      const port = Number(options.port || 443);
      if (!proxy || bypassesProxy(options.host, port, environment)) return direct(options as never, callback as never);
      tunnel(proxy, options.host, port, (error, socket) => {
        if (error) return callback(error);
        callback(null, tls.connect({ ...options, socket, servername: options.servername ?? options.host }));
      });
      return undefined;
    }) as never;
    return agent;
  }
  const agent = new http.Agent({ keepAlive: true });
  const direct = agent.createConnection.bind(agent);
  agent.createConnection = ((
    options: { host: string; port?: number },
    callback: (error: Error | null, socket?: Duplex) => void,
  ) => {
    const port = Number(options.port || 80);
    if (!proxy || bypassesProxy(options.host, port, environment)) return direct(options as never, callback as never);
    tunnel(proxy, options.host, port, callback);
    return undefined;
  }) as never;
  return agent;
}
