/**
 * A small Microsoft Graph client for the readiness report: GET with a bearer token, paging by `@odata.nextLink`,
 * retry on throttling, and typed errors that keep "you may not read this" apart from "there is nothing".
 *
 * Tokens come from the same TokenProvider classes the Exchange bridge uses, asked for the Graph scope. A nextLink
 * (or a report's download redirect) is only followed with the token when it stays on the Graph origin: the token is
 * never sent to another host.
 */
import type { TokenProvider } from '../bridge/rest/token-provider';

export const GRAPH_SCOPE = 'https://graph.microsoft.com/.default';
export const DEFAULT_GRAPH_ENDPOINT = 'https://graph.microsoft.com';

/** A Graph answer other than success. `kind` is what the report needs to know. */
export class GraphRequestError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    /** 'permission': the app lacks the permission; 'licence': the tenant lacks the licence; 'other': anything else. */
    readonly kind: 'permission' | 'licence' | 'other',
  ) {
    super(message);
    this.name = 'GraphRequestError';
  }
}

/**
 * 403 Authorization_RequestDenied = a missing permission (Learn, "Microsoft Graph error responses"); a 403 naming a
 * premium licence or SKU (Authentication_RequestFromNonPremiumTenantOrB2CTenant, "Tenant does not have a SKU capable
 * of ...") = a missing licence.
 */
export function classifyGraphError(_status: number, code: string, message: string): GraphRequestError['kind'] {
  if (/NonPremium|premium licen[cs]e|SKU capable/i.test(`${code} ${message}`)) return 'licence';
  // Only Authorization_RequestDenied names a missing permission; a bare 403 (no JSON body) is said as such.
  if (/Authorization_RequestDenied/i.test(code)) return 'permission';
  return 'other';
}

export interface GraphClientOptions {
  /** Origin plus any path prefix before `/v1.0`: https://graph.microsoft.com, or the emulator's http://127.0.0.1:port/graph/<tenant>. */
  baseUrl: string;
  tokenProvider: TokenProvider;
  signal?: AbortSignal;
  /** Tries for a throttled or unavailable answer (429, 503, 504). @default 4 */
  attempts?: number;
}

export class GraphClient {
  private readonly base: string;
  private readonly origin: string;
  /** Requests made (pages included): the report prints it, the bench counts it. */
  requests = 0;

  constructor(private readonly options: GraphClientOptions) {
    this.base = options.baseUrl.replace(/\/+$/, '');
    this.origin = new URL(this.base).origin;
  }

  /** `path` starts after `/v1.0/`; `query` values are encoded here (callers never splice text into the URL). */
  url(path: string, query: Record<string, string> = {}): string {
    const search = Object.entries(query)
      .map(([key, value]) => `${key}=${encodeURIComponent(value)}`)
      .join('&');
    return `${this.base}/v1.0/${path}${search ? `?${search}` : ''}`;
  }

  async getJson(url: string): Promise<Record<string, unknown>> {
    const response = await this.send(url, true);
    return (await response.json()) as Record<string, unknown>;
  }

  /** Every item of a collection, page by page (`@odata.nextLink` until absent). */
  async *pages(url: string): AsyncGenerator<unknown[]> {
    let next: string | undefined = url;
    while (next) {
      const page = await this.getJson(next);
      yield Array.isArray(page.value) ? page.value : [];
      const link = page['@odata.nextLink'];
      next = typeof link === 'string' ? link : undefined;
      if (next && new URL(next).origin !== this.origin) {
        throw new GraphRequestError(
          0,
          'UnexpectedNextLink',
          `Graph returned a nextLink on another host (${new URL(next).host}); the token is not sent there.`,
          'other',
        );
      }
    }
  }

  /**
   * A report: Graph answers 302 with a pre-authenticated download URL (Learn, "reportRoot: getEmailAppUsageUserDetail").
   * The download is fetched without the token; a 200 with the CSV directly is accepted too.
   */
  async getReportText(url: string): Promise<string> {
    const response = await this.send(url, false);
    if (response.status >= 300 && response.status < 400) {
      const location = response.headers.get('location');
      if (!location)
        throw new GraphRequestError(
          response.status,
          'NoLocation',
          'Graph redirected the report request without a Location.',
          'other',
        );
      const download = await fetch(new URL(location, url), { signal: this.options.signal });
      this.requests++;
      if (!download.ok)
        throw new GraphRequestError(
          download.status,
          'DownloadFailed',
          `The report download answered HTTP ${download.status}.`,
          'other',
        );
      return download.text();
    }
    return response.text();
  }

  private async send(url: string, followRedirects: boolean): Promise<Response> {
    const attempts = this.options.attempts ?? 4;
    for (let attempt = 1; ; attempt++) {
      const token = await this.options.tokenProvider.getToken({
        forceRefresh: attempt > 1 && this.lastStatus === 401,
        signal: this.options.signal,
      });
      this.requests++;
      const response = await fetch(url, {
        headers: {
          Authorization: `Bearer ${token}`,
          Accept: 'application/json',
          'client-request-id': crypto.randomUUID(),
        },
        redirect: followRedirects ? 'error' : 'manual',
        signal: this.options.signal,
      });
      this.lastStatus = response.status;
      if (response.ok || (response.status >= 300 && response.status < 400)) return response;
      const retryable =
        response.status === 429 ||
        response.status === 503 ||
        response.status === 504 ||
        (response.status === 401 && attempt === 1);
      if (retryable && attempt < attempts) {
        await response.arrayBuffer().catch(() => undefined);
        const after = Number(response.headers.get('retry-after'));
        await sleep(
          Number.isFinite(after) && after > 0 ? Math.min(after, 60) * 1000 : 500 * 2 ** attempt,
          this.options.signal,
        );
        continue;
      }
      let code = `HTTP${response.status}`;
      let message = `Graph answered HTTP ${response.status}`;
      try {
        const body = (await response.json()) as { error?: { code?: string; message?: string } };
        code = body.error?.code ?? code;
        message = body.error?.message ?? message;
      } catch {
        // not JSON: keep the status line
      }
      throw new GraphRequestError(response.status, code, message, classifyGraphError(response.status, code, message));
    }
  }

  private lastStatus = 0;
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal?.addEventListener(
      'abort',
      () => {
        clearTimeout(timer);
        resolve();
      },
      { once: true },
    );
  });
}
