/**
 * The Exchange bridge over the REST endpoint the ExchangeOnlineManagement v3 module itself uses:
 *   POST {endpoint}/adminapi/beta/{organization}/InvokeCommand  {"CmdletInput":{"CmdletName":...,"Parameters":{...}}}
 *
 * Parameters travel as a JSON body built with JSON.stringify, so no value can change the command. Every HTTP request
 * (each page, each batch round) goes through the retry policy; the bearer token is only ever sent to the configured
 * endpoint's origin.
 */

import { randomUUID } from 'node:crypto';
import { BATCH_LIMIT, type CmdletParameters, type CmdletRequest, type CmdletResult, type ExchangeBridge, type InvokeOptions } from '../bridge';
import { systemClock, type Clock } from '../clock';
import {
  AuthenticationError,
  CancelledError,
  ConfigurationError,
  ExchangeError,
  ServiceBugError,
  UnreachableError,
} from '../errors';
import { createBridgeRetryPolicy, type AttemptContext, type RetryBudget, type RetryPolicy, type RetryPolicyOptions } from '../retry';
import { isHeaderSafe, positiveInteger } from '../validate';
import { adminApiPath, DEFAULT_ENDPOINT, parseEndpoint, validateOrganization } from './endpoint';
import { HttpClient } from './http-client';
import { parseBatchResponse, type BatchItemResponse } from './batch';
import { prepareCall, type PreparedCall } from './cmdlet-call';
import { parametersForLog, type BridgeLogger } from './logging';
import { errorFromResponse } from './response-errors';
import { parseResultPage, tryParseJson, type ResultPage } from './response-page';
import type { TokenProvider } from './token-provider';

export interface RestBridgeOptions {
  /** Tenant domain (contoso.onmicrosoft.com) or tenant id. */
  organization: string;
  tokenProvider: TokenProvider;
  /** Origin of the admin API. Default https://outlook.office365.com. Plain http only for loopback (an emulator). */
  endpoint?: string;
  /** X-AnchorMailbox. Default: the app-only system mailbox of the organization. */
  anchorMailbox?: string;
  retry?: Omit<RetryPolicyOptions, 'clock'>;
  clock?: Clock;
  /** Prefer: odata.maxpagesize. Default 1000. */
  pageSize?: number;
  /** Bound on one HTTP exchange. Default 15 minutes (the service's own cmdlet timeout). */
  requestTimeoutMs?: number;
  logger?: BridgeLogger;
  userAgent?: string;
}

const APP_ONLY_ANCHOR_MAILBOX = 'SystemMailbox{bb558c35-97f1-4cb9-8ff7-d53741dc928c}';
const DEFAULT_PAGE_SIZE = 1000;
const DEFAULT_REQUEST_TIMEOUT_MS = 15 * 60_000;

export class RestBridge implements ExchangeBridge {
  readonly organization: string;
  readonly endpoint: string;
  private readonly origin: URL;
  private readonly tokenProvider: TokenProvider;
  private readonly anchorMailbox: string;
  private readonly retry: RetryPolicy;
  private readonly clock: Clock;
  private readonly pageSize: number;
  private readonly requestTimeoutMs: number;
  private readonly logger?: BridgeLogger;
  private readonly userAgent: string;
  private readonly http = new HttpClient();

  constructor(options: RestBridgeOptions) {
    this.organization = validateOrganization(options.organization);
    this.origin = parseEndpoint(options.endpoint ?? DEFAULT_ENDPOINT);
    this.endpoint = this.origin.origin;
    this.tokenProvider = options.tokenProvider;
    this.anchorMailbox = options.anchorMailbox ?? `APP:${APP_ONLY_ANCHOR_MAILBOX}@${this.organization}`;
    if (!isHeaderSafe(this.anchorMailbox)) {
      throw new ConfigurationError(
        'The anchor mailbox is not a valid header value.',
        'Use `APP:SystemMailbox{...}@<tenant domain>` (app-only) or `UPN:<user>` (delegated), without spaces.',
        ['anchor_mailbox'],
      );
    }
    this.pageSize = positiveInteger('pageSize', options.pageSize ?? DEFAULT_PAGE_SIZE);
    this.requestTimeoutMs = positiveInteger('requestTimeoutMs', options.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS);
    this.clock = options.clock ?? systemClock;
    this.logger = options.logger;
    this.userAgent = options.userAgent ?? 'exoform';
    this.retry = createBridgeRetryPolicy({ retry: options.retry, clock: this.clock, logger: this.logger });
  }

  async invoke(cmdlet: string, parameters: CmdletParameters, options: InvokeOptions = {}): Promise<CmdletResult> {
    const call = prepareCall(cmdlet, parameters);
    const budget: RetryBudget = { waitedMs: 0 };
    this.logger?.('debug', `invoking ${cmdlet}`, { cmdlet, parameters: parametersForLog(parameters) });
    const first = await this.retry.run((attempt) => this.postInvoke(this.url(adminApiPath(this.organization, 'InvokeCommand')), call, attempt), {
      signal: options.signal,
      cmdlet,
      budget,
    });
    return this.collectPages(first, call, options.signal, budget);
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
  async invokeBatch(requests: readonly CmdletRequest[], options: InvokeOptions = {}): Promise<Array<CmdletResult | ExchangeError>> {
    const results: Array<CmdletResult | ExchangeError | undefined> = new Array(requests.length);
    const calls: Array<{ index: number; call: PreparedCall }> = [];
    requests.forEach((request, index) => {
      try {
        calls.push({ index, call: prepareCall(request.cmdlet, request.parameters) });
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
    return Array.from(results, (result) => result ?? new ServiceBugError('No result was recorded for this batch item.', 'Report this exoform bug.'));
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
    const pages = new Map<number, { call: PreparedCall; page: ResultPage }>();
    const requestBudget: RetryBudget = { waitedMs: 0 };
    let renewToken = false;
    let fatal: ExchangeError | undefined;
    while (pending.length > 0) {
      let responses: Map<string, BatchItemResponse>;
      try {
        const forceRefresh = renewToken;
        responses = await this.retry.run((attempt) => this.postBatch(pending, { ...attempt, forceTokenRefresh: attempt.forceTokenRefresh || forceRefresh }), {
          signal,
          cmdlet: '$batch',
          budget: requestBudget,
        });
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
        const outcome = this.batchItemOutcome(responses.get(String(position + 1)), item.call.cmdlet);
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

  private batchItemOutcome(response: BatchItemResponse | undefined, cmdlet: string): ResultPage | ExchangeError {
    if (!response) {
      return new ServiceBugError(`The $batch answer had no response for ${cmdlet}.`, 'Apply again; report it if it persists.', cmdlet);
    }
    if (response.status >= 200 && response.status < 300) {
      try {
        return parseResultPage(response.body, cmdlet);
      } catch (error) {
        return asExchangeError(error);
      }
    }
    return errorFromResponse(response, { cmdlet, origin: this.endpoint, organization: this.organization, nowMs: this.clock.now() });
  }

  /** Follows @odata.nextLink (POSTing the same body) and concatenates the pages. */
  private async collectPages(first: ResultPage, call: PreparedCall, signal: AbortSignal | undefined, budget: RetryBudget): Promise<CmdletResult> {
    const rows = [...first.rows];
    const warnings = [...first.warnings];
    let nextLink = first.nextLink;
    let previous: string | undefined;
    while (nextLink) {
      const url = this.resolveNextLink(nextLink, call.cmdlet);
      if (url.href === previous) {
        throw new ServiceBugError(`Exchange Online returned the same @odata.nextLink twice for ${call.cmdlet}.`, 'Apply again; report it if it persists.', call.cmdlet);
      }
      previous = url.href;
      const page = await this.retry.run((attempt) => this.postInvoke(url, call, attempt), { signal, cmdlet: call.cmdlet, budget });
      rows.push(...page.rows);
      warnings.push(...page.warnings);
      nextLink = page.nextLink;
    }
    return { rows, warnings };
  }

  /** The bearer token goes with every page request, so a nextLink must stay on the configured endpoint's origin. */
  private resolveNextLink(nextLink: string, cmdlet: string): URL {
    let url: URL;
    try {
      url = new URL(nextLink, this.origin);
    } catch {
      throw new ServiceBugError(`Exchange Online returned an unreadable @odata.nextLink for ${cmdlet}.`, 'Apply again; report it if it persists.', cmdlet);
    }
    if (url.origin !== this.endpoint) {
      throw new ServiceBugError(
        `Refused to follow @odata.nextLink to ${url.origin} for ${cmdlet}: the access token is only sent to ${this.endpoint}.`,
        'Check that `endpoint` is the Exchange Online host itself, not a proxy that rewrites links; report it if it persists.',
        cmdlet,
      );
    }
    return url;
  }

  private async postInvoke(url: URL, call: PreparedCall, attempt: AttemptContext): Promise<ResultPage> {
    const body = JSON.stringify({ CmdletInput: call.cmdletInput });
    const response = await this.post(url, body, call.cmdlet, attempt, {
      'X-CmdletName': call.cmdlet,
      Prefer: `odata.maxpagesize=${this.pageSize}`,
    });
    return parseResultPage(response, call.cmdlet);
  }

  private async postBatch(items: Array<{ call: PreparedCall }>, attempt: AttemptContext): Promise<Map<string, BatchItemResponse>> {
    const itemUrl = adminApiPath(this.organization, 'InvokeCommand');
    const body = JSON.stringify({
      requests: items.map(({ call }, position) => ({
        id: String(position + 1),
        method: 'POST',
        url: itemUrl,
        headers: {
          'Content-Type': 'application/json',
          'X-CmdletName': call.cmdlet,
          'X-AnchorMailbox': this.anchorMailbox,
          Prefer: `odata.maxpagesize=${this.pageSize}`,
        },
        body: { CmdletInput: call.cmdletInput },
      })),
    });
    const response = await this.post(this.url(adminApiPath(this.organization, '$batch')), body, '$batch', attempt, {
      Prefer: 'odata.continue-on-error',
    });
    return parseBatchResponse(response);
  }

  /** One authenticated POST; returns the parsed JSON of a 2xx answer and throws the typed error otherwise. */
  private async post(url: URL, body: string, cmdlet: string, attempt: AttemptContext, extraHeaders: Record<string, string>): Promise<unknown> {
    const token = await this.tokenProvider.getToken({ forceRefresh: attempt.forceTokenRefresh, signal: attempt.signal });
    if (!isHeaderSafe(token)) {
      throw new AuthenticationError(`${this.tokenProvider.describe()} produced a malformed access token.`, 'Check the credential settings.', undefined, cmdlet);
    }
    const requestId = randomUUID();
    const started = this.clock.now();
    const response = await this.http.post({
      url,
      body,
      signal: attempt.signal,
      cmdlet,
      timeoutMs: this.requestTimeoutMs,
      headers: {
        Authorization: `Bearer ${token}`,
        'X-AnchorMailbox': this.anchorMailbox,
        'X-ClientApplication': 'exoform',
        'X-ResponseFormat': 'json',
        'client-request-id': requestId,
        'Content-Type': 'application/json',
        Accept: 'application/json',
        'User-Agent': this.userAgent,
        ...extraHeaders,
      },
    });
    this.logger?.('debug', `${cmdlet} answered HTTP ${response.status}`, {
      cmdlet,
      status: response.status,
      attempt: attempt.attempt,
      requestId,
      durationMs: this.clock.now() - started,
    });
    const parsed = tryParseJson(response.body);
    if (response.status >= 200 && response.status < 300) return parsed;
    // The retry after a 401 was refused too: a provider that cannot renew its token says why (expired or not).
    if (response.status === 401 && attempt.forceTokenRefresh && this.tokenProvider.refusedTwice) throw this.tokenProvider.refusedTwice(this.clock.now(), cmdlet);
    throw errorFromResponse(
      { status: response.status, headers: response.headers, body: parsed },
      { cmdlet, origin: this.endpoint, organization: this.organization, nowMs: this.clock.now(), requestId },
    );
  }

  private url(path: string): URL {
    return new URL(path, this.origin);
  }
}

function asExchangeError(error: unknown): ExchangeError {
  if (error instanceof ExchangeError) return error;
  return new ServiceBugError(`Unexpected failure: ${error instanceof Error ? error.message : String(error)}`, 'Report this exoform bug.', undefined, { cause: error });
}
