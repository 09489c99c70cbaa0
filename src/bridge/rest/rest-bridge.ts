/**
 * The Exchange bridge over the REST endpoint the ExchangeOnlineManagement v3 module itself uses:
 *   POST {endpoint}/adminapi/beta/{organization}/InvokeCommand  {"CmdletInput":{"CmdletName":...,"Parameters":{...}}}
 *
 * Parameters travel as a JSON body built with JSON.stringify, so no value can change the command. Every HTTP request
 * (each page, each batch round) goes through the retry policy. The bearer token is only ever sent to the configured
 * endpoint's cloud (hosts.ts): a redirect to a tenant-specific host of that cloud is followed (and remembered for
 * later requests), a nextLink on its internal port 446 is followed on the public port, anything else is refused.
 */

import { randomUUID } from 'node:crypto';
import {
  BATCH_LIMIT,
  type CmdletParameters,
  type CmdletRequest,
  type CmdletResult,
  type ExchangeBridge,
  type InvokeOptions,
  type Row,
} from '../bridge';
import { systemClock, type Clock } from '../clock';
import {
  AuthenticationError,
  CancelledError,
  ConfigurationError,
  ExchangeError,
  ServiceBugError,
  UnreachableError,
} from '../errors';
import {
  createBridgeRetryPolicy,
  type AttemptContext,
  type RetryBudget,
  type RetryPolicy,
  type RetryPolicyOptions,
} from '../retry';
import { isHeaderSafe, positiveInteger } from '../validate';
import { adminApiPath, DEFAULT_ENDPOINT, parseEndpoint, validateOrganization } from './endpoint';
import { isSameCloudHost, toPublicPort } from './hosts';
import { HttpClient } from './http-client';
import { parseBatchResponse, type BatchItemResponse } from './batch';
import { prepareCall, type PreparedCall } from './cmdlet-call';
import { parametersForLog, type BridgeLogger } from './rest-logging';
import { errorFromAdminApiErrors, errorFromResponse } from './response-errors';
import { pageWarnings, parseResultPage, tryParseJson, type ResultPage } from './response-page';
import type { TokenProvider } from './token-provider';
import { anchorMailboxFor, decodeTokenClaims, tenantMismatch } from './token-claims';
import { resolveCloud, type Cloud } from '../clouds';

export interface RestBridgeOptions {
  /** Tenant domain (contoso.onmicrosoft.com) or tenant id. */
  organization: string;
  tokenProvider: TokenProvider;
  /** Origin of the admin API. Default https://outlook.office365.com. Plain http only for loopback (an emulator). */
  endpoint?: string;
  /** The cloud (clouds.ts): its host suffixes say which redirect and nextLink hosts are the same cloud. Default: from `endpoint`. */
  cloud?: Cloud;
  /**
   * X-AnchorMailbox. Default: decided per token from its claims — `UPN:<user>` for a delegated token, else the
   * app-only system mailbox of the organization (see token-claims.ts).
   */
  anchorMailbox?: string;
  retry?: Omit<RetryPolicyOptions, 'clock'>;
  clock?: Clock;
  /** Prefer: odata.maxpagesize. Default 1000. */
  pageSize?: number;
  /**
   * Bound on one HTTP exchange, for every cmdlet. Default: the module's own timeouts, 960 s per call and 1,800 s for
   * Set-OrganizationConfig.
   */
  requestTimeoutMs?: number;
  logger?: BridgeLogger;
  userAgent?: string;
}

const DEFAULT_PAGE_SIZE = 1000;
/** The ExchangeOnlineManagement module's client timeout per call. */
const DEFAULT_REQUEST_TIMEOUT_MS = 960_000;
/** Cmdlets the module gives longer (lower-case names). */
const LONG_REQUEST_TIMEOUTS_MS: Readonly<Record<string, number>> = { 'set-organizationconfig': 1_800_000 };
/** Redirects followed for one request before giving up. */
const MAX_REDIRECTS = 5;
const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308]);

/** The timeout the module uses for a cmdlet. Exported for tests. */
export function defaultTimeoutMs(cmdlet: string): number {
  return LONG_REQUEST_TIMEOUTS_MS[cmdlet.toLowerCase()] ?? DEFAULT_REQUEST_TIMEOUT_MS;
}

/** A page and the URL that finally answered it (after redirects), against which its nextLink resolves. */
type AnsweredPage = ResultPage & { answeredBy: URL };

export class RestBridge implements ExchangeBridge {
  readonly organization: string;
  readonly cancelsCheaply = true;
  readonly endpoint: string;
  readonly cloud: Cloud;
  private readonly origin: URL;
  /** Where API requests go: the endpoint, or the tenant-specific host of the same cloud it redirected to. */
  private apiOrigin: URL;
  private readonly tokenProvider: TokenProvider;
  private readonly anchorMailbox?: string;
  /** The anchor of the last token seen (tokens change about hourly; decoding once per token is enough). */
  private anchorOf?: { token: string; anchor: string };
  private readonly retry: RetryPolicy;
  private readonly clock: Clock;
  private readonly pageSize: number;
  private readonly requestTimeoutMs?: number;
  private readonly logger?: BridgeLogger;
  private readonly userAgent: string;
  private readonly http = new HttpClient();

  constructor(options: RestBridgeOptions) {
    this.organization = validateOrganization(options.organization);
    this.origin = parseEndpoint(options.endpoint ?? DEFAULT_ENDPOINT);
    this.endpoint = this.origin.origin;
    this.apiOrigin = this.origin;
    this.cloud = options.cloud ?? resolveCloud(undefined, this.endpoint);
    this.tokenProvider = options.tokenProvider;
    this.anchorMailbox = options.anchorMailbox;
    if (this.anchorMailbox !== undefined && !isHeaderSafe(this.anchorMailbox)) {
      throw new ConfigurationError(
        'The anchor mailbox is not a valid header value.',
        'Use `APP:SystemMailbox{...}@<tenant domain>` (app-only) or `UPN:<user>` (delegated), without spaces.',
        ['anchor_mailbox'],
      );
    }
    this.pageSize = positiveInteger('pageSize', options.pageSize ?? DEFAULT_PAGE_SIZE);
    if (options.requestTimeoutMs !== undefined)
      this.requestTimeoutMs = positiveInteger('requestTimeoutMs', options.requestTimeoutMs);
    this.clock = options.clock ?? systemClock;
    this.logger = options.logger;
    this.userAgent = options.userAgent ?? 'exoform';
    this.retry = createBridgeRetryPolicy({ retry: options.retry, clock: this.clock, logger: this.logger });
  }

  async invoke(cmdlet: string, parameters: CmdletParameters, options: InvokeOptions = {}): Promise<CmdletResult> {
    const call = prepareCall(cmdlet, parameters, options.select);
    const budget: RetryBudget = { waitedMs: 0 };
    this.logger?.('debug', `invoking ${cmdlet}`, { cmdlet, parameters: parametersForLog(parameters) });
    const first = await this.retry.run(
      (attempt) => this.postInvoke(this.invokeCommandUrl(call), call, attempt, options.onSent),
      {
        signal: options.signal,
        cmdlet,
        budget,
      },
    );
    return await this.collectPages(first, call, options.signal, budget, options.onRows);
  }

  /**
   * Runs independent cmdlets through $batch, at most BATCH_LIMIT per round trip, sequentially (the tenant's
   * concurrency limit is shared with everything else). The result is parallel to `requests`: a CmdletResult or the
   * item's typed error. Throttled or transient items are sent again, alone, after the wait the policy decides; items
   * that succeeded are never repeated. Only cancellation rejects the whole call.
   *
   * The provider wraps this bridge in ConcurrencyLimitedBridge, which already splits by BATCH_LIMIT (one permit per
   * round), so there each call is a single round. The loop here serves direct use (tests, benchmarks, any caller
   * without the limiter): the endpoint refuses larger batches, and a fatal error stops the later rounds.
   */
  async invokeBatch(
    requests: readonly CmdletRequest[],
    options: InvokeOptions = {},
  ): Promise<Array<CmdletResult | ExchangeError>> {
    const results: Array<CmdletResult | ExchangeError | undefined> = new Array(requests.length);
    const calls: Array<{ index: number; call: PreparedCall }> = [];
    requests.forEach((request, index) => {
      try {
        calls.push({ index, call: prepareCall(request.cmdlet, request.parameters, options.select) });
      } catch (error) {
        results[index] = asExchangeError(error);
      }
    });
    let fatal: ExchangeError | undefined;
    for (let start = 0; start < calls.length; start += BATCH_LIMIT) {
      const chunk = calls.slice(start, start + BATCH_LIMIT);
      if (fatal) {
        // Authentication or reachability failures are not about an item: don't send the rest to fail the same way.
        for (const { index } of chunk) results[index] = fatal;
        continue;
      }
      fatal = await this.runBatchChunk(chunk, results, options.signal);
    }
    return Array.from(
      results,
      (result) =>
        result ?? new ServiceBugError('No result was recorded for this batch item.', 'Report this exoform bug.'),
    );
  }

  async close(): Promise<void> {
    this.http.close();
  }

  /**
   * Sends one chunk until every item has a final outcome; returns an error that should also fail later chunks.
   *
   * Each item has a retry budget of its own (one item that keeps failing must not spend the others'), and a round
   * waits once, as long as its most demanding item asks. The `$batch` request itself runs under the ordinary policy.
   * An item that succeeded in any round keeps its result whatever later rounds meet (a 401, a reset...).
   */
  private async runBatchChunk(
    chunk: Array<{ index: number; call: PreparedCall }>,
    results: Array<CmdletResult | ExchangeError | undefined>,
    signal: AbortSignal | undefined,
  ): Promise<ExchangeError | undefined> {
    type Item = { index: number; call: PreparedCall; tally: ReturnType<RetryPolicy['newTally']>; attempt: number };
    let pending: Item[] = chunk.map((item) => ({ ...item, tally: this.retry.newTally(), attempt: 0 }));
    const pages = new Map<number, { call: PreparedCall; page: AnsweredPage }>();
    const requestBudget: RetryBudget = { waitedMs: 0 };
    let renewToken = false;
    let fatal: ExchangeError | undefined;
    while (pending.length > 0) {
      let responses: Map<string, BatchItemResponse>;
      let answeredBy: URL;
      try {
        const forceRefresh = renewToken;
        ({ responses, answeredBy } = await this.retry.run(
          (attempt) =>
            this.postBatch(pending, { ...attempt, forceTokenRefresh: attempt.forceTokenRefresh || forceRefresh }),
          {
            signal,
            cmdlet: '$batch',
            budget: requestBudget,
          },
        ));
      } catch (error) {
        if (error instanceof CancelledError || !(error instanceof ExchangeError)) throw error;
        // The batch request itself failed for good: that is the outcome of the items still pending, and only theirs.
        for (const item of pending) results[item.index] = error;
        if (error instanceof AuthenticationError || error instanceof UnreachableError) fatal = error;
        break;
      }
      renewToken = false;
      const retryLater: Item[] = [];
      let waitMs = 0;
      pending.forEach((item, position) => {
        const outcome = this.batchItemOutcome(responses.get(String(position + 1)), item.call.cmdlet, answeredBy);
        if (!(outcome instanceof ExchangeError)) {
          pages.set(item.index, { call: item.call, page: outcome });
          return;
        }
        item.attempt++;
        const decision = this.retry.decideItem(outcome, item.tally, item.call.cmdlet, item.attempt);
        if (!decision.retry) {
          results[item.index] = decision.error instanceof ExchangeError ? decision.error : outcome;
          return;
        }
        renewToken ||= decision.forceTokenRefresh;
        waitMs = Math.max(waitMs, decision.delayMs);
        retryLater.push(item);
      });
      pending = retryLater;
      if (pending.length > 0 && waitMs > 0) {
        try {
          await this.clock.sleep(waitMs, signal);
        } catch {
          throw new CancelledError('$batch');
        }
        for (const item of pending) item.tally.budget.waitedMs += waitMs;
      }
    }
    for (const [index, { call, page }] of pages) {
      try {
        results[index] = await this.collectPages(page, call, signal, { waitedMs: 0 });
      } catch (error) {
        if (error instanceof CancelledError || !(error instanceof ExchangeError)) throw error;
        results[index] = error;
      }
    }
    return fatal;
  }

  private batchItemOutcome(
    response: BatchItemResponse | undefined,
    cmdlet: string,
    answeredBy: URL,
  ): AnsweredPage | ExchangeError {
    if (!response) {
      return new ServiceBugError(
        `The $batch answer had no response for ${cmdlet}.`,
        'Apply again; report it if it persists.',
        cmdlet,
      );
    }
    if (response.status >= 200 && response.status < 300) {
      try {
        return { ...this.successfulPage(response.body, cmdlet, undefined), answeredBy };
      } catch (error) {
        return asExchangeError(error);
      }
    }
    return errorFromResponse(response, {
      cmdlet,
      origin: this.endpoint,
      organization: this.organization,
      nowMs: this.clock.now(),
    });
  }

  /** A 2xx page; `@adminapi.errors` on it fail the call (the module reports each entry and fails). */
  private successfulPage(body: unknown, cmdlet: string, requestId: string | undefined): ResultPage {
    const page = parseResultPage(body, cmdlet);
    if (page.errors.length > 0) {
      throw errorFromAdminApiErrors(page.errors, {
        cmdlet,
        origin: this.endpoint,
        organization: this.organization,
        nowMs: this.clock.now(),
        requestId,
      });
    }
    return page;
  }

  /** The page's warnings for the user; the "more results" warning of a non-final page is dropped (logged at debug). */
  private warningsOf(page: ResultPage, cmdlet: string): string[] {
    const { shown, dropped } = pageWarnings(page);
    if (dropped > 0)
      this.logger?.('debug', `dropped ${dropped} "more results available" warning(s) of a non-final page`, { cmdlet });
    return shown;
  }

  /** Follows @odata.nextLink (POSTing the same body) and concatenates the pages, or hands each page to `onRows`. */
  private async collectPages(
    first: AnsweredPage,
    call: PreparedCall,
    signal: AbortSignal | undefined,
    budget: RetryBudget,
    onRows?: (rows: Row[]) => void,
  ): Promise<CmdletResult> {
    const rows: Row[] = [];
    const take = onRows ?? ((page: Row[]) => void rows.push(...page));
    const warnings: string[] = [];
    let page = first;
    let previous: string | undefined;
    for (;;) {
      // The next page is asked for before this one's rows are handed over, so converting them overlaps the wait.
      let next: Promise<AnsweredPage> | undefined;
      if (page.nextLink) {
        const url = this.resolveNextLink(page.nextLink, page.answeredBy, call.cmdlet);
        if (url.href === previous) {
          throw new ServiceBugError(
            `Exchange Online returned the same @odata.nextLink twice for ${call.cmdlet}.`,
            'Apply again; report it if it persists.',
            call.cmdlet,
          );
        }
        previous = url.href;
        next = this.retry.run((attempt) => this.postInvoke(url, call, attempt), {
          signal,
          cmdlet: call.cmdlet,
          budget,
        });
        next.catch(() => undefined); // awaited below; if converting this page throws first, no rejection is left unhandled
        // The request is written once the promise chain above has run: let it go out before the rows are converted.
        await new Promise<void>((resolve) => setImmediate(resolve));
      }
      take(page.rows);
      warnings.push(...this.warningsOf(page, call.cmdlet));
      if (!next) break;
      page = await next;
    }
    return { rows, warnings };
  }

  /**
   * The bearer token goes with every page request, so a nextLink must stay on the endpoint's cloud (hosts.ts); one on
   * the internal port 446 is followed on the public port.
   */
  private resolveNextLink(nextLink: string, answeredBy: URL, cmdlet: string): URL {
    let url: URL;
    try {
      url = toPublicPort(nextLink, answeredBy);
    } catch {
      throw new ServiceBugError(
        `Exchange Online returned an unreadable @odata.nextLink for ${cmdlet}.`,
        'Apply again; report it if it persists.',
        cmdlet,
      );
    }
    if (!isSameCloudHost(url, this.origin)) {
      throw new ServiceBugError(
        `Refused to follow @odata.nextLink to ${url.origin} for ${cmdlet}: the access token is only sent to ${this.endpoint} and the tenant-specific hosts of its cloud.`,
        'Check that `endpoint` is the Exchange Online host itself, not a proxy that rewrites links; report it if it persists.',
        cmdlet,
      );
    }
    return url;
  }

  /** `onSent`: told when the request is on the wire (InvokeOptions.onSent; later calls are harmless). */
  private async postInvoke(
    url: URL,
    call: PreparedCall,
    attempt: AttemptContext,
    onSent?: () => void,
  ): Promise<AnsweredPage> {
    const body = JSON.stringify({ CmdletInput: call.cmdletInput });
    const headers = { 'X-CmdletName': call.cmdlet, Prefer: `odata.maxpagesize=${this.pageSize}` };
    const timeoutMs = this.timeoutFor([call.cmdlet]);
    const { parsed, answeredBy, requestId } = await this.post(
      url,
      () => body,
      call.cmdlet,
      attempt,
      timeoutMs,
      headers,
      onSent,
    );
    return { ...this.successfulPage(parsed, call.cmdlet, requestId), answeredBy };
  }

  /**
   * One $batch round in the observed form (CIPP New-ExoBulkRequest.ps1, the module): every item's `url` is the
   * absolute InvokeCommand URL of the host the batch goes to, and every item carries the full header set of the outer
   * request, Authorization included.
   */
  private async postBatch(
    items: Array<{ call: PreparedCall }>,
    attempt: AttemptContext,
  ): Promise<{ responses: Map<string, BatchItemResponse>; answeredBy: URL }> {
    const bodyFor = (target: URL, headers: Record<string, string>): string =>
      JSON.stringify({
        requests: items.map(({ call }, position) => ({
          id: String(position + 1),
          method: 'POST',
          url: new URL(adminApiPath(this.organization, 'InvokeCommand') + call.query, target.origin).href,
          headers: { ...headers, 'X-CmdletName': call.cmdlet, Prefer: `odata.maxpagesize=${this.pageSize}` },
          body: { CmdletInput: call.cmdletInput },
        })),
      });
    const timeoutMs = this.timeoutFor(items.map(({ call }) => call.cmdlet));
    const { parsed, answeredBy } = await this.post(
      this.url(adminApiPath(this.organization, '$batch')),
      bodyFor,
      '$batch',
      attempt,
      timeoutMs,
      {
        Prefer: 'odata.continue-on-error',
      },
    );
    return { responses: parseBatchResponse(parsed), answeredBy };
  }

  /** The request timeout for a call running these cmdlets: the configured one, or the module's longest for them. */
  private timeoutFor(cmdlets: readonly string[]): number {
    return this.requestTimeoutMs ?? Math.max(...cmdlets.map(defaultTimeoutMs));
  }

  /**
   * One authenticated POST, following redirects within the endpoint's cloud. Returns the parsed JSON of a 2xx answer
   * and the URL that gave it; throws the typed error otherwise. `bodyFor` builds the body for the URL it goes to,
   * given the request's headers (a $batch repeats them in every item).
   */
  private async post(
    target: URL,
    bodyFor: (url: URL, headers: Record<string, string>) => string,
    cmdlet: string,
    attempt: AttemptContext,
    timeoutMs: number,
    extraHeaders: Record<string, string>,
    onSent?: () => void,
  ): Promise<{ parsed: unknown; answeredBy: URL; requestId: string }> {
    const { token, anchor } = await this.authorize(attempt, cmdlet);
    const requestId = randomUUID();
    const headers: Record<string, string> = {
      Authorization: `Bearer ${token}`,
      'X-AnchorMailbox': anchor,
      'X-ClientApplication': 'exoform',
      'X-ResponseFormat': 'json',
      'client-request-id': requestId,
      'Content-Type': 'application/json',
      Accept: 'application/json',
      'User-Agent': this.userAgent,
      ...extraHeaders,
    };
    let url = target;
    for (let redirects = 0; ; redirects++) {
      const started = this.clock.now();
      const response = await this.http.post({
        url,
        body: bodyFor(url, headers),
        signal: attempt.signal,
        cmdlet,
        timeoutMs,
        headers,
        onSent,
      });
      // Rate headers (goexo reads them) are for diagnosis only: logged at debug, never shown to the user.
      this.logger?.('debug', `${cmdlet} answered HTTP ${response.status}`, {
        cmdlet,
        status: response.status,
        attempt: attempt.attempt,
        requestId,
        durationMs: this.clock.now() - started,
        rateLimitLimit: response.headers['rate-limit-limit'],
        rateLimitRemaining: response.headers['rate-limit-remaining'],
        rateLimitReset: response.headers['rate-limit-reset'],
      });
      if (REDIRECT_STATUSES.has(response.status)) {
        url = this.redirectTarget(response.headers['location'], url, redirects, cmdlet);
        continue;
      }
      const parsed = tryParseJson(response.body);
      if (response.status >= 200 && response.status < 300) return { parsed, answeredBy: url, requestId };
      // The retry after a 401 was refused too: a provider that cannot renew its token says why (expired or not).
      if (response.status === 401 && attempt.forceTokenRefresh && this.tokenProvider.refusedTwice)
        throw this.tokenProvider.refusedTwice(this.clock.now(), cmdlet);
      throw errorFromResponse(
        { status: response.status, headers: response.headers, body: parsed },
        { cmdlet, origin: url.origin, organization: this.organization, nowMs: this.clock.now(), requestId },
      );
    }
  }

  /**
   * Where a 3xx sends the request: only to a host of the endpoint's cloud (Scuba and goexo follow the service to a
   * tenant-specific host such as https://{prefix}.outlook.office365.com). The new host is kept for later requests.
   */
  private redirectTarget(location: string | undefined, from: URL, redirects: number, cmdlet: string): URL {
    if (!location) {
      throw new ServiceBugError(
        `Exchange Online redirected ${cmdlet} without a Location header.`,
        'Apply again; report it if it persists.',
        cmdlet,
      );
    }
    if (redirects >= MAX_REDIRECTS) {
      throw new ServiceBugError(
        `Exchange Online redirected ${cmdlet} more than ${MAX_REDIRECTS} times.`,
        'Apply again later; report it if it persists.',
        cmdlet,
      );
    }
    let next: URL;
    try {
      next = toPublicPort(location, from);
    } catch {
      throw new ServiceBugError(
        `Exchange Online redirected ${cmdlet} to an unreadable Location.`,
        'Apply again; report it if it persists.',
        cmdlet,
      );
    }
    if (!isSameCloudHost(next, this.origin)) {
      throw new UnreachableError(
        `Exchange Online redirected ${cmdlet} to ${next.origin}, which is not a host of the cloud of ${this.endpoint}; the redirect was not followed, because the access token is only sent to that cloud's hosts.`,
        "Check the `endpoint` setting (it must be your cloud's Exchange Online host, with no proxy in between that redirects elsewhere); if it is, report this redirect.",
        cmdlet,
      );
    }
    if (next.origin !== this.apiOrigin.origin) {
      this.logger?.('info', `following Exchange Online to the tenant-specific host ${next.origin}`, {
        cmdlet,
        from: from.origin,
        to: next.origin,
      });
      this.apiOrigin = new URL(next.origin);
    }
    return next;
  }

  /** `{endpoint}/adminapi/beta/{organization}/InvokeCommand`, with the call's `$select` query. */
  private invokeCommandUrl(call: PreparedCall): URL {
    return this.url(adminApiPath(this.organization, 'InvokeCommand') + call.query);
  }

  /** The token for this attempt and the X-AnchorMailbox it calls for. */
  private async authorize(attempt: AttemptContext, cmdlet: string): Promise<{ token: string; anchor: string }> {
    const token = await this.tokenProvider.getToken({
      forceRefresh: attempt.forceTokenRefresh,
      signal: attempt.signal,
    });
    if (!isHeaderSafe(token)) {
      throw new AuthenticationError(
        `${this.tokenProvider.describe()} produced a malformed access token.`,
        'Check the credential settings.',
        undefined,
        cmdlet,
      );
    }
    if (this.anchorOf?.token !== token) {
      const claims = decodeTokenClaims(token);
      if (tenantMismatch(claims, this.organization)) {
        throw new AuthenticationError(
          `The access token from ${this.tokenProvider.describe()} was issued for another tenant than \`organization\` (its tid claim differs).`,
          "Set `organization` to the tenant the credentials belong to, or use credentials of this tenant. `exoform doctor` shows the token's tenant.",
          undefined,
          cmdlet,
        );
      }
      this.anchorOf = { token, anchor: this.anchorMailbox ?? anchorMailboxFor(claims, this.organization) };
    }
    return { token, anchor: this.anchorOf.anchor };
  }

  private url(path: string): URL {
    return new URL(path, this.apiOrigin);
  }
}

function asExchangeError(error: unknown): ExchangeError {
  if (error instanceof ExchangeError) return error;
  return new ServiceBugError(
    `Unexpected failure: ${error instanceof Error ? error.message : String(error)}`,
    'Report this exoform bug.',
    undefined,
    { cause: error },
  );
}
