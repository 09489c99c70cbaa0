/**
 * The retry policy shared by bridge implementations, modelled on what the ExchangeOnlineManagement module does:
 *
 * - 429: wait exactly what Retry-After says (2 s doubling when the service gave no value);
 * - 401: get a fresh token once (bypassing any cache) and retry after a short pause; a second 401 is final;
 * - transient failures (503/504, DCOverloadedException and friends, connection resets): 5 tries, 2 s doubling —
 *   for idempotent cmdlets only. A `New-`/`Remove-`/`Add-` call that failed that way may have been applied with its
 *   answer lost, so it is not blindly repeated: the caller checks what exists and adopts it (see exchange/idempotent.ts);
 * - everything else (invalid input, not found, service bugs, unreachable endpoint) is final: the caller decides.
 *
 * All waiting counts against one budget (default 5 minutes). When honouring a wait would exceed it we fail right away
 * instead of sleeping first and failing later: the user learns sooner, and the remedy says what to change.
 *
 * The policy classifies typed ExchangeErrors only; transports map their failures to those types first.
 */

import { systemClock, type Clock } from './clock';
import { AuthenticationError, CancelledError, ExchangeError, ThrottledError, TransientError } from './errors';
import type { BridgeLogger } from './rest/rest-logging';
import { positiveInteger } from './validate';

/** Exchange server exceptions that the official module retries: they mean "try again shortly", not "you are wrong". */
const TRANSIENT_EXCEPTION_NAMES: readonly string[] = [
  'DCOverloadedException',
  'SuitabilityDirectoryException',
  'ServerInMMException',
  'ADServerSettingsChangedException',
  'StorageTransientException',
  // A 500 whose innererror type is ADTransientException ("Active Directory server is not available"), as the module
  // reports it: MicrosoftDocs/office-docs-powershell issue 10972 (Get-EXOMailbox, module 3.2.0).
  'ADTransientException',
];

/** True for a transient exception name, bare (`DCOverloadedException`) or namespaced (`Microsoft.Exchange...DCOverloadedException`). */
export function isTransientExceptionName(name: string): boolean {
  const shortName = name.slice(name.lastIndexOf('.') + 1);
  return TRANSIENT_EXCEPTION_NAMES.includes(shortName);
}

/**
 * Cmdlets whose repetition is not harmless: a second `New-` after a lost answer fails with "already exists", a second
 * `Remove-` with "not found". Get-/Set- (and $batch, which only carries Set-CASMailbox here) are safe to repeat.
 */
export function isIdempotentCmdlet(cmdlet: string | undefined): boolean {
  if (cmdlet === undefined) return true;
  return !/^(new|remove|add|enable|disable)-/i.test(cmdlet);
}

/** Pause before retrying a refused token: a token minted a moment ago can be refused until it has replicated. */
export const TOKEN_RETRY_PAUSE_MS = 1_000;

export interface RetryEvent {
  /** The 1-based attempt that just failed. */
  attempt: number;
  /** How long the policy waits before the next attempt (0 for the token refresh). */
  delayMs: number;
  /** Short human text for logs, e.g. "throttled (HTTP 429), Retry-After 3 s". */
  reason: string;
  error: ExchangeError;
}

export interface RetryPolicyOptions {
  /** Tries for transient failures, counting the first call. Default 5. */
  maxAttempts?: number;
  /** First backoff delay; doubles on each transient failure. Default 2000 ms. */
  initialBackoffMs?: number;
  /** Bound on the sum of all waits for one call. Default 5 minutes. */
  maxTotalWaitMs?: number;
  /** Guard against a service that keeps answering 429 with `Retry-After: 0`. Default 30. */
  maxThrottledRetries?: number;
  clock?: Clock;
  /** Called before every retry, for logging. Must not throw. */
  onRetry?: (event: RetryEvent) => void;
  /** Pause before the retry that follows a 401. Default TOKEN_RETRY_PAUSE_MS. */
  tokenRetryPauseMs?: number;
}

/** What an attempt needs to know. */
export interface AttemptContext {
  attempt: number;
  /** True right after a 401: the attempt must ask its token provider for a fresh token, bypassing any cache. */
  forceTokenRefresh: boolean;
  signal?: AbortSignal;
}

/** Waits already spent; share one between the pages (or batch rounds) of one logical call so the bound covers all. */
export interface RetryBudget {
  waitedMs: number;
}

export interface RetryRunOptions {
  signal?: AbortSignal;
  /** Named in errors the policy creates. */
  cmdlet?: string;
  budget?: RetryBudget;
}

const DEFAULT_RETRY_OPTIONS = {
  maxAttempts: 5,
  initialBackoffMs: 2_000,
  maxTotalWaitMs: 5 * 60_000,
  maxThrottledRetries: 30,
} as const;

export type Decision =
  | { retry: true; delayMs: number; reason: string; forceTokenRefresh: boolean }
  | { retry: false; error: Error };

/** What one logical call (or one $batch item) has spent so far; see RetryPolicy.newTally. */
export interface FailureCounts {
  transient: number;
  throttled: number;
  tokenRefreshed: boolean;
}

export class RetryPolicy {
  readonly maxAttempts: number;
  readonly initialBackoffMs: number;
  readonly maxTotalWaitMs: number;
  readonly maxThrottledRetries: number;
  readonly tokenRetryPauseMs: number;
  private readonly clock: Clock;
  private readonly onRetry?: (event: RetryEvent) => void;

  constructor(options: RetryPolicyOptions = {}) {
    this.maxAttempts = positiveInteger('maxAttempts', options.maxAttempts ?? DEFAULT_RETRY_OPTIONS.maxAttempts);
    this.initialBackoffMs = nonNegative(
      'initialBackoffMs',
      options.initialBackoffMs ?? DEFAULT_RETRY_OPTIONS.initialBackoffMs,
    );
    this.maxTotalWaitMs = nonNegative('maxTotalWaitMs', options.maxTotalWaitMs ?? DEFAULT_RETRY_OPTIONS.maxTotalWaitMs);
    this.maxThrottledRetries = nonNegative(
      'maxThrottledRetries',
      options.maxThrottledRetries ?? DEFAULT_RETRY_OPTIONS.maxThrottledRetries,
    );
    this.tokenRetryPauseMs = nonNegative('tokenRetryPauseMs', options.tokenRetryPauseMs ?? TOKEN_RETRY_PAUSE_MS);
    this.clock = options.clock ?? systemClock;
    this.onRetry = options.onRetry;
  }

  /** Fresh counts for one item with a budget of its own (a $batch item: one bad item must not spend the others'). */
  newTally(): { counts: FailureCounts; budget: RetryBudget } {
    return { counts: { transient: 0, throttled: 0, tokenRefreshed: false }, budget: { waitedMs: 0 } };
  }

  /**
   * The decision for one failed item under its own tally, logged like a retry of `run` when it is one. The caller
   * does the waiting (a $batch round waits once for the longest of its items) and adds it to each item's budget.
   */
  decideItem(
    error: unknown,
    tally: { counts: FailureCounts; budget: RetryBudget },
    cmdlet: string,
    attempt: number,
  ): Decision {
    const decision = this.decide(error, tally.counts, tally.budget, cmdlet);
    if (decision.retry)
      this.onRetry?.({ attempt, delayMs: decision.delayMs, reason: decision.reason, error: error as ExchangeError });
    return decision;
  }

  /** Runs `operation` until it succeeds or fails for good. Rejects with CancelledError promptly once `signal` aborts. */
  async run<T>(operation: (context: AttemptContext) => Promise<T>, options: RetryRunOptions = {}): Promise<T> {
    const { signal, cmdlet } = options;
    const budget = options.budget ?? { waitedMs: 0 };
    const counts: FailureCounts = { transient: 0, throttled: 0, tokenRefreshed: false };
    let forceTokenRefresh = false;
    for (let attempt = 1; ; attempt++) {
      if (signal?.aborted) throw new CancelledError(cmdlet);
      let failure: unknown;
      try {
        return await operation({ attempt, forceTokenRefresh, signal });
      } catch (error) {
        failure = error;
      }
      // Whatever an attempt failed with after the abort (socket destroyed, token request dropped) is a cancellation.
      if (signal?.aborted) throw new CancelledError(cmdlet);
      const decision = this.decide(failure, counts, budget, cmdlet);
      if (!decision.retry) throw decision.error;
      forceTokenRefresh = decision.forceTokenRefresh;
      this.onRetry?.({ attempt, delayMs: decision.delayMs, reason: decision.reason, error: failure as ExchangeError });
      if (decision.delayMs > 0) {
        try {
          await this.clock.sleep(decision.delayMs, signal);
        } catch {
          throw new CancelledError(cmdlet);
        }
        budget.waitedMs += decision.delayMs;
      }
    }
  }

  private decide(error: unknown, counts: FailureCounts, budget: RetryBudget, cmdlet: string | undefined): Decision {
    if (!(error instanceof ExchangeError))
      return { retry: false, error: error instanceof Error ? error : new Error(String(error)) };

    if (error instanceof AuthenticationError) {
      // Only a token the service refused is worth refreshing; a credential Entra refused stays refused.
      if (error.status !== 401 || counts.tokenRefreshed) return { retry: false, error };
      counts.tokenRefreshed = true;
      return {
        retry: true,
        delayMs: this.tokenRetryPauseMs,
        reason: 'token refused (HTTP 401); renewing it once after a short pause',
        forceTokenRefresh: true,
      };
    }

    if (error instanceof ThrottledError) {
      counts.throttled++;
      const delayMs = error.retryAfterMs ?? this.backoff(counts.throttled);
      if (counts.throttled > this.maxThrottledRetries || budget.waitedMs + delayMs > this.maxTotalWaitMs) {
        return { retry: false, error: this.throttleBudgetExceeded(error, delayMs, budget, cmdlet) };
      }
      const source =
        error.retryAfterMs === undefined ? 'no Retry-After, backing off' : `Retry-After ${formatSeconds(delayMs)}`;
      return { retry: true, delayMs, reason: `throttled (HTTP 429), ${source}`, forceTokenRefresh: false };
    }

    if (error instanceof TransientError) {
      // The call may have been applied and only its answer lost: repeating a New-/Remove- is the caller's decision.
      if (!isIdempotentCmdlet(error.cmdlet ?? cmdlet)) return { retry: false, error };
      counts.transient++;
      const delayMs = this.backoff(counts.transient);
      if (counts.transient >= this.maxAttempts || budget.waitedMs + delayMs > this.maxTotalWaitMs) {
        const tries = counts.transient;
        return {
          retry: false,
          error: new TransientError(
            `${error.message} (gave up after ${tries} ${tries === 1 ? 'try' : 'tries'} and ${formatSeconds(budget.waitedMs)} of waiting)`,
            error.remedy,
            error.cmdlet ?? cmdlet,
            { cause: error },
          ),
        };
      }
      return { retry: true, delayMs, reason: `transient failure: ${error.message}`, forceTokenRefresh: false };
    }

    return { retry: false, error };
  }

  /** 2 s, 4 s, 8 s, 16 s... for the n-th failure of a kind. */
  private backoff(failureNumber: number): number {
    return this.initialBackoffMs * 2 ** (failureNumber - 1);
  }

  private throttleBudgetExceeded(
    error: ThrottledError,
    delayMs: number,
    budget: RetryBudget,
    cmdlet: string | undefined,
  ): ThrottledError {
    return new ThrottledError(
      `Exchange Online is throttling this tenant and asked to wait ${formatSeconds(delayMs)}; ` +
        `with ${formatSeconds(budget.waitedMs)} already waited that exceeds the ${formatSeconds(this.maxTotalWaitMs)} retry budget, so the call was not retried.`,
      'Lower the number of concurrent operations (for example `terraform apply -parallelism=2`), stop other Exchange ' +
        'automation running against this tenant at the same time, or try again later. You can also raise the retry wait bound.',
      error.retryAfterMs,
      error.cmdlet ?? cmdlet,
      { cause: error },
    );
  }
}

/**
 * The policy a bridge runs its calls under: the caller's retry options on the bridge's clock, with every retry logged
 * as a warning through the bridge's logger before the caller's own `onRetry` (if any) is called.
 */
export function createBridgeRetryPolicy(settings: {
  retry?: Omit<RetryPolicyOptions, 'clock'>;
  clock: Clock;
  logger?: BridgeLogger;
}): RetryPolicy {
  const { retry, clock, logger } = settings;
  const onRetry = retry?.onRetry;
  return new RetryPolicy({
    ...retry,
    clock,
    onRetry: (event) => {
      logger?.('warn', `retrying after ${event.reason}`, {
        attempt: event.attempt,
        delayMs: event.delayMs,
        cmdlet: event.error.cmdlet,
      });
      onRetry?.(event);
    },
  });
}

function formatSeconds(ms: number): string {
  const seconds = ms / 1000;
  return seconds >= 120 ? `${+(seconds / 60).toFixed(1)} min` : `${+seconds.toFixed(1)} s`;
}

function nonNegative(name: string, value: number): number {
  if (!Number.isFinite(value) || value < 0) throw new RangeError(`${name} must be a non-negative number, got ${value}`);
  return value;
}
