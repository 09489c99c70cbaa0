/**
 * A per-tenant limit on concurrent calls, in front of any bridge. Exchange Online throttles per tenant (and the
 * official module's era allowed 3 concurrent connections per user); Terraform runs 10 operations in parallel by
 * default and a bulk resource may want hundreds. Every HTTP request (a single cmdlet or one `$batch` of up to
 * BATCH_LIMIT cmdlets) holds one permit, so the tenant never sees more than `maxConcurrent` at once.
 */
import {
  BATCH_LIMIT,
  invokeEach,
  type CmdletParameters,
  type CmdletRequest,
  type CmdletResult,
  type ExchangeBridge,
  type InvokeOptions,
} from './bridge';
import { CancelledError, isExchangeError, type ExchangeError } from './errors';
import { positiveInteger } from './validate';

export class Semaphore {
  private active = 0;
  private readonly waiting: Array<() => void> = [];

  constructor(readonly limit: number) {
    positiveInteger('concurrency limit', limit);
  }

  async run<T>(task: () => Promise<T>, signal?: AbortSignal): Promise<T> {
    await this.acquire(signal);
    try {
      return await task();
    } finally {
      this.release();
    }
  }

  private acquire(signal?: AbortSignal): Promise<void> {
    if (signal?.aborted) return Promise.reject(new CancelledError());
    if (this.active < this.limit) {
      this.active++;
      return Promise.resolve();
    }
    return new Promise((resolve, reject) => {
      const grant = (): void => {
        signal?.removeEventListener('abort', cancel);
        this.active++;
        resolve();
      };
      const cancel = (): void => {
        const index = this.waiting.indexOf(grant);
        if (index >= 0) this.waiting.splice(index, 1);
        reject(new CancelledError());
      };
      signal?.addEventListener('abort', cancel, { once: true });
      this.waiting.push(grant);
    });
  }

  private release(): void {
    this.active--;
    this.waiting.shift()?.();
  }
}

export interface LimitOptions {
  /** Calls in flight at once for this tenant. */
  maxConcurrent: number;
}

export class ConcurrencyLimitedBridge implements ExchangeBridge {
  private readonly semaphore: Semaphore;
  /** Whether the service has answered a call successfully in this process (so the tenant and credentials work). */
  answered = false;
  private inFlight = 0;
  private settleWaiters: Array<() => void> = [];

  /** Calls sent and not yet answered. */
  get inFlightCount(): number {
    return this.inFlight;
  }

  /** Resolves when a call now in flight settles (at once when none is): its answer may make `answered` true. */
  nextSettled(): Promise<void> {
    if (this.inFlight === 0) return Promise.resolve();
    return new Promise((resolve) => this.settleWaiters.push(resolve));
  }

  private async track<T>(call: () => Promise<T>): Promise<T> {
    this.inFlight++;
    try {
      return await call();
    } finally {
      this.inFlight--;
      const waiters = this.settleWaiters;
      this.settleWaiters = [];
      for (const wake of waiters) wake();
    }
  }

  constructor(
    private readonly inner: ExchangeBridge,
    options: LimitOptions,
  ) {
    this.semaphore = new Semaphore(options.maxConcurrent);
  }

  get organization(): string {
    return this.inner.organization;
  }

  get cancelsCheaply(): boolean {
    return this.inner.cancelsCheaply === true;
  }

  invoke(cmdlet: string, parameters: CmdletParameters, options?: InvokeOptions): Promise<CmdletResult> {
    return this.semaphore.run(
      () =>
        this.track(async () => {
          const result = await this.inner.invoke(cmdlet, parameters, options);
          this.answered = true;
          return result;
        }),
      options?.signal,
    );
  }

  /** Splits into batches of BATCH_LIMIT, each one permit; results stay parallel to `requests`. */
  async invokeBatch(
    requests: readonly CmdletRequest[],
    options?: InvokeOptions,
  ): Promise<Array<CmdletResult | ExchangeError>> {
    const chunks: CmdletRequest[][] = [];
    for (let start = 0; start < requests.length; start += BATCH_LIMIT)
      chunks.push(requests.slice(start, start + BATCH_LIMIT));
    const results = await Promise.all(
      chunks.map((chunk) => this.semaphore.run(() => this.runChunk(chunk, options), options?.signal)),
    );
    return results.flat();
  }

  private async runChunk(
    chunk: CmdletRequest[],
    options?: InvokeOptions,
  ): Promise<Array<CmdletResult | ExchangeError>> {
    return this.track(async () => {
      const results = await (this.inner.invokeBatch
        ? this.inner.invokeBatch(chunk, options)
        : invokeEach(this.inner, chunk, options));
      if (results.some((result) => !isExchangeError(result))) this.answered = true;
      return results;
    });
  }

  close(): Promise<void> {
    return this.inner.close();
  }
}
