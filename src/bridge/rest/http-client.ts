/**
 * One HTTP POST, with node:http/https rather than global fetch, because:
 * - fetch (undici) gives up after 300 s without response headers and that limit cannot be raised without the undici
 *   package, while a cmdlet may legitimately run for up to ~15 minutes server-side;
 * - the bridge owns its keep-alive agents, so `close()` really releases the sockets;
 * - socket error codes (ECONNRESET, ENOTFOUND...) arrive unwrapped, which the error mapping needs.
 *
 * Transport failures leave this module as typed ExchangeErrors; HTTP statuses are returned, not thrown.
 */

import type * as http from 'node:http';
import type * as https from 'node:https';
import { CancelledError, ExchangeError, PROXY_REFUSED, TransientError, UnreachableError } from '../errors';
import { wireRecorder } from './wire-record';

export interface HttpResponse {
  status: number;
  /** Lower-cased header names; repeated headers joined with ", ". */
  headers: Record<string, string>;
  body: string;
}

export interface HttpPost {
  url: URL;
  headers: Record<string, string>;
  body: string;
  timeoutMs: number;
  signal?: AbortSignal;
  /** Named in the errors this request fails with. */
  cmdlet?: string;
  /** Called when the whole request has been written to the socket. */
  onSent?: () => void;
}

export class HttpClient {
  private httpAgent?: http.Agent;
  private httpsAgent?: https.Agent;

  post(request: HttpPost): Promise<HttpResponse> {
    const { url, signal, cmdlet, timeoutMs } = request;
    if (signal?.aborted) return Promise.reject(new CancelledError(cmdlet));
    const body = Buffer.from(request.body, 'utf8');
    const transport = transportFor(url);
    return new Promise<HttpResponse>((resolve, reject) => {
      let settled = false;
      const finish = (error: ExchangeError | undefined, response?: HttpResponse): void => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        if (error) reject(error);
        else resolve(response!);
      };
      const fail = (error: unknown): void => {
        if (signal?.aborted) finish(new CancelledError(cmdlet));
        else if (error instanceof ExchangeError) finish(error);
        else finish(networkErrorToExchangeError(error, url.origin, cmdlet));
      };

      const req = transport.request(url, {
        method: 'POST',
        agent: this.agentFor(url),
        headers: { ...request.headers, 'Content-Length': String(body.length) },
      });
      const onAbort = (): void => {
        req.destroy();
        finish(new CancelledError(cmdlet));
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      // A wall-clock bound on the whole exchange (the service itself stops a cmdlet after about 15 minutes).
      const timer = setTimeout(() => {
        req.destroy();
        finish(
          new TransientError(
            `No complete response from ${url.origin} within ${Math.round(timeoutMs / 1000)} s.`,
            'Try again later; if this keeps happening, check the network path to the endpoint.',
            cmdlet,
          ),
        );
      }, timeoutMs);

      req.on('error', fail);
      req.on('response', (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('error', fail);
        // 'aborted' fires when the connection drops mid-body; treat it like a reset.
        res.on('aborted', () =>
          fail(Object.assign(new Error('connection closed while reading the response'), { code: 'ECONNRESET' })),
        );
        res.on('end', () => {
          if (res.readableAborted) return;
          const response = {
            status: res.statusCode ?? 0,
            headers: flattenHeaders(res.headers),
            body: Buffer.concat(chunks).toString('utf8'),
          };
          wireRecorder()?.record('POST', request, response); // EXOFORM_WIRE_RECORD: a redacted transcript
          finish(undefined, response);
        });
      });
      if (request.onSent) req.once('finish', request.onSent);
      req.end(body);
    });
  }

  /** Destroys pooled sockets. The client stays usable: new agents are created on demand. */
  close(): void {
    this.httpAgent?.destroy();
    this.httpsAgent?.destroy();
    this.httpAgent = undefined;
    this.httpsAgent = undefined;
  }

  private agentFor(url: URL): http.Agent {
    if (url.protocol === 'https:')
      return (this.httpsAgent ??=
        (proxyAgent('https:') as https.Agent | undefined) ??
        new (transportFor(url) as typeof https).Agent({ keepAlive: true }));
    return (this.httpAgent ??=
      proxyAgent('http:') ?? new (transportFor(url) as typeof http).Agent({ keepAlive: true }));
  }
}

/**
 * node:http or node:https, loaded on the first request: node:https pulls in node:tls (docs/performance.md), which
 * the provider's start-up (paid 3–5 times per terraform command) should not pay for a request it may never make.
 */
export function transportFor(url: URL): typeof http | typeof https {
  return url.protocol === 'https:' ? (require('node:https') as typeof https) : (require('node:http') as typeof http);
}

/** With HTTPS_PROXY / HTTP_PROXY set, a tunnelling agent from proxy.ts (loaded only then; it honours NO_PROXY). */
function proxyAgent(protocol: 'http:' | 'https:'): http.Agent | undefined {
  const { env } = process;
  if (!(env.HTTPS_PROXY || env.https_proxy || env.HTTP_PROXY || env.http_proxy)) return undefined;
  return (require('./proxy') as typeof import('./proxy')).createProxyAgent(protocol, env);
}

function flattenHeaders(headers: http.IncomingHttpHeaders): Record<string, string> {
  const flat: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value !== undefined) flat[name.toLowerCase()] = Array.isArray(value) ? value.join(', ') : value;
  }
  return flat;
}

// A dropped connection mid-call is worth retrying; a host that cannot be found or trusted is not.
const TRANSIENT_CODES: Record<string, string> = {
  ECONNRESET: 'the connection was reset',
  EPIPE: 'the connection was closed while sending',
  ECONNABORTED: 'the connection was aborted',
  ETIMEDOUT: 'the connection timed out',
  EAI_AGAIN: 'temporary DNS failure',
};
const UNREACHABLE_CODES: Record<string, string> = {
  ECONNREFUSED: 'connection refused',
  ENOTFOUND: 'host name not found (DNS)',
  EHOSTUNREACH: 'host unreachable',
  ENETUNREACH: 'network unreachable',
};

/** Maps a socket/TLS error to the typed error the retry policy understands. Exported for tests. */
export function networkErrorToExchangeError(error: unknown, origin: string, cmdlet?: string): ExchangeError {
  const code =
    typeof error === 'object' && error !== null && 'code' in error ? String((error as { code: unknown }).code) : '';
  const detail = error instanceof Error ? error.message : String(error);
  const transient = TRANSIENT_CODES[code];
  if (transient) {
    return new TransientError(
      `Lost the connection to ${origin}: ${transient} (${code}).`,
      'Try again; if it keeps happening, check the network path (proxy, firewall) to the endpoint.',
      cmdlet,
      { cause: error },
    );
  }
  if (code === PROXY_REFUSED) {
    // The message names the proxy's host and port and the status, never its credentials (proxy.ts).
    const status = (error as { proxyStatus?: unknown }).proxyStatus;
    return new UnreachableError(
      `Could not reach ${origin}: ${detail}.`,
      status === 407
        ? 'Check the proxy credentials: the user:password part of HTTPS_PROXY (HTTP_PROXY for http endpoints).'
        : 'Check the proxy settings (HTTPS_PROXY, HTTP_PROXY, NO_PROXY): the proxy refused the tunnel to the endpoint.',
      cmdlet,
      { cause: error },
    );
  }
  if (isTlsErrorCode(code)) {
    return new UnreachableError(
      `Could not reach ${origin}: TLS failure (${code}: ${detail}).`,
      'Check the `endpoint` setting. If a TLS-inspecting proxy sits in between, give Node its CA certificate with NODE_EXTRA_CA_CERTS.',
      cmdlet,
      { cause: error },
    );
  }
  const reason = UNREACHABLE_CODES[code]
    ? `${UNREACHABLE_CODES[code]} (${code})`
    : code
      ? `${detail} (${code})`
      : detail;
  return new UnreachableError(
    `Could not reach ${origin}: ${reason}.`,
    'Check the `endpoint` setting and the network (DNS, proxy, firewall) from where Terraform runs.',
    cmdlet,
    { cause: error },
  );
}

function isTlsErrorCode(code: string): boolean {
  return (
    code.startsWith('ERR_TLS_') ||
    code.startsWith('ERR_SSL_') ||
    code.startsWith('CERT_') ||
    code.startsWith('UNABLE_TO_') ||
    code === 'DEPTH_ZERO_SELF_SIGNED_CERT' ||
    code === 'SELF_SIGNED_CERT_IN_CHAIN' ||
    code === 'EPROTO'
  );
}
