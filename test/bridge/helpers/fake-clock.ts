/**
 * A clock for tests: sleeping advances virtual time at once and records the delay, so retry schedules can be
 * asserted exactly without waiting. `holdSleeps()` makes sleeps hang until aborted, to test cancellation mid-wait.
 */
import type { Clock } from '../../../src/bridge/clock';
import { CancelledError } from '../../../src/bridge/errors';

export class FakeClock implements Clock {
  readonly sleeps: number[] = [];
  private time: number;
  private hold = false;
  private sleepStarted?: () => void;

  constructor(start = Date.UTC(2026, 0, 15, 12, 0, 0)) {
    this.time = start;
  }

  now(): number {
    return this.time;
  }

  /** Sleeps from now on never finish by themselves; the returned promise resolves when the first one starts. */
  holdSleeps(): Promise<void> {
    this.hold = true;
    return new Promise((resolve) => (this.sleepStarted = resolve));
  }

  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    if (signal?.aborted) return Promise.reject(new CancelledError());
    this.sleeps.push(ms);
    if (!this.hold) {
      this.time += ms;
      return Promise.resolve();
    }
    this.sleepStarted?.();
    return new Promise<void>((_resolve, reject) => {
      signal?.addEventListener('abort', () => reject(new CancelledError()), { once: true });
    });
  }
}
