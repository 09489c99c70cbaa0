/**
 * Time as the bridge sees it. Injected so tests can drive retry schedules with a fake clock instead of waiting.
 */

import { CancelledError } from './errors';

export interface Clock {
  /** Milliseconds since the Unix epoch (used to resolve HTTP-date Retry-After values). */
  now(): number;
  /** Resolves after `ms`; rejects with CancelledError as soon as `signal` aborts (also when it already has). */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      if (signal?.aborted) {
        reject(new CancelledError());
        return;
      }
      const onAbort = (): void => {
        clearTimeout(timer);
        reject(new CancelledError());
      };
      const timer = setTimeout(() => {
        signal?.removeEventListener('abort', onAbort);
        resolve();
      }, ms);
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  },
};
