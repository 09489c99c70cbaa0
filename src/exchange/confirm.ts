/**
 * Read-your-writes across processes. Exchange Online's directory replicates, so a read that follows a write can
 * answer with the value from before it. Within one provider process the written value is trusted (resources return
 * what they wrote); but the next `terraform plan` runs in a new process and refreshes from the service, where a
 * stale read would show drift that isn't there, or hide a change that still has to be made.
 *
 * So after a write the provider reads until the service shows it: a bounded confirmation with backoff (250 ms
 * doubling, at most 15 s of waiting), not a blind sleep. With no lag it costs one read. When the bound runs out the
 * apply still succeeds (the write was acknowledged) with a warning that the next refresh may lag.
 */
import { systemClock, type Clock } from '../bridge/clock';
import type { ExchangeSession } from './session';

export const CONFIRM_FIRST_WAIT_MS = 250;
export const CONFIRM_MAX_WAIT_MS = 15_000;

export interface ConfirmOptions {
  clock?: Clock;
  firstWaitMs?: number;
  maxWaitMs?: number;
}

/** Runs `visible` until it returns true or the wait bound is spent; returns whether the write was confirmed. */
export async function confirmWrite(
  session: ExchangeSession,
  what: string,
  visible: () => Promise<boolean>,
  options: ConfirmOptions = {},
): Promise<boolean> {
  const clock = options.clock ?? systemClock;
  const maxWaitMs = options.maxWaitMs ?? CONFIRM_MAX_WAIT_MS;
  let wait = options.firstWaitMs ?? CONFIRM_FIRST_WAIT_MS;
  let waited = 0;
  for (;;) {
    if (await visible()) return true;
    if (waited + wait > maxWaitMs) {
      session.warn?.(
        `${what}: the change was accepted, but Exchange Online's reads still did not show it after ${waited / 1000} s. ` +
          'The state records what was written; until the service catches up, a refresh may show it as drift.',
      );
      return false;
    }
    await clock.sleep(wait, session.signal);
    waited += wait;
    wait *= 2;
  }
}
