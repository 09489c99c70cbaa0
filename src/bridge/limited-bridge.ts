/**
 * A per-tenant limit on concurrent calls, in front of any bridge. Exchange Online throttles per tenant (and the
 * official module's era allowed 3 concurrent connections per user); Terraform runs 10 operations in parallel by
 * default and a bulk resource may want hundreds. Every HTTP request (a single cmdlet or one `$batch` of up to
 * `batchSize` cmdlets) holds one permit, so the tenant never sees more than `maxConcurrent` at once.
 */
import type { CmdletParameters, CmdletRequest, CmdletResult, ExchangeBridge, InvokeOptions } from './bridge';
import { CancelledError, ExchangeError, isExchangeError } from './errors';

export class Semaphore {
  private active = 0;
  private readonly waiting: Array<() => void> = [];

  constructor(readonly limit: number) {
    if (!Number.isInteger(limit) || limit < 1) throw new RangeError(`concurrency limit must be a positive integer, got ${limit}`);
  }

  /** Highest number of permits held at once so far (for tests and benchmarks). */
  peak = 0;

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
      this.peak = Math.max(this.peak, this.active);
      return Promise.resolve();
    }
    return new Promise((resolve, reject) => {
      const grant = (): void => {
        signal?.removeEventListener('abort', cancel);
        this.active++;
        this.peak = Math.max(this.peak, this.active);
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
  /** Cmdlets per `$batch` request (the service's practical limit is 10 with continue-on-error). */
  batchSize?: number;
}

export class ConcurrencyLimitedBridge implements ExchangeBridge {
  readonly semaphore: Semaphore;
  private readonly batchSize: number;

  constructor(private readonly inner: ExchangeBridge, options: LimitOptions) {
    this.semaphore = new Semaphore(options.maxConcurrent);
    this.batchSize = options.batchSize ?? 10;
  }

  get organization(): string {
    return this.inner.organization;
  }

  invoke(cmdlet: string, parameters: CmdletParameters, options?: InvokeOptions): Promise<CmdletResult> {
    return this.semaphore.run(() => this.inner.invoke(cmdlet, parameters, options), options?.signal);
  }

  /** Splits into batches of `batchSize`, each one permit; results stay parallel to `requests`. */
  async invokeBatch(requests: readonly CmdletRequest[], options?: InvokeOptions): Promise<Array<CmdletResult | ExchangeError>> {
    const chunks: CmdletRequest[][] = [];
    for (let start = 0; start < requests.length; start += this.batchSize) chunks.push(requests.slice(start, start + this.batchSize));
    const results = await Promise.all(chunks.map((chunk) => this.semaphore.run(() => this.runChunk(chunk, options), options?.signal)));
    return results.flat();
  }

  private async runChunk(chunk: CmdletRequest[], options?: InvokeOptions): Promise<Array<CmdletResult | ExchangeError>> {
    if (this.inner.invokeBatch) return this.inner.invokeBatch(chunk, options);
    const results: Array<CmdletResult | ExchangeError> = [];
    for (const request of chunk) {
      try {
        results.push(await this.inner.invoke(request.cmdlet, request.parameters, options));
      } catch (error) {
        if (!isExchangeError(error) || error instanceof CancelledError) throw error;
        results.push(error);
      }
    }
    return results;
  }

  close(): Promise<void> {
    return this.inner.close();
  }
}
