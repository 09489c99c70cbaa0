import {
  AuthenticationError,
  CancelledError,
  ConfigurationError,
  InvalidInputError,
  NotFoundError,
  ServiceBugError,
  ThrottledError,
  TransientError,
  UnreachableError,
  type ExchangeError,
} from '../../src/bridge/errors';
import {
  isIdempotentCmdlet,
  isTransientExceptionName,
  RetryPolicy,
  type AttemptContext,
  type RetryEvent,
} from '../../src/bridge/retry';
import { FakeClock } from './helpers/fake-clock';

/** An operation that fails with the given errors in turn, then returns 'done'. */
function failing(...errors: ExchangeError[]) {
  const contexts: AttemptContext[] = [];
  const operation = async (context: AttemptContext): Promise<string> => {
    contexts.push(context);
    const error = errors[contexts.length - 1];
    if (error) throw error;
    return 'done';
  };
  return { operation, contexts };
}

const throttled = (seconds?: number) =>
  new ThrottledError('slow down', 'wait', seconds === undefined ? undefined : seconds * 1000, 'Get-X');
const unavailable = () => new TransientError('HTTP 503', 'try later', 'Get-X');
const unauthorized = () => new AuthenticationError('401', 'refresh', 401, 'Get-X');

describe('RetryPolicy', () => {
  let clock: FakeClock;
  let events: RetryEvent[];
  let policy: RetryPolicy;

  beforeEach(() => {
    clock = new FakeClock();
    events = [];
    policy = new RetryPolicy({ clock, onRetry: (event) => events.push(event) });
  });

  it('returns the first success without waiting', async () => {
    const { operation, contexts } = failing();
    await expect(policy.run(operation)).resolves.toBe('done');
    expect(contexts).toHaveLength(1);
    expect(clock.sleeps).toEqual([]);
  });

  it('honours Retry-After exactly on 429, as many times as the service asks', async () => {
    const { operation, contexts } = failing(throttled(3), throttled(7), throttled(0));
    await expect(policy.run(operation)).resolves.toBe('done');
    expect(contexts).toHaveLength(4);
    expect(clock.sleeps).toEqual([3000, 7000]); // Retry-After: 0 means "now": no sleep at all
    expect(events.map((event) => event.delayMs)).toEqual([3000, 7000, 0]);
    expect(events[0]!.reason).toBe('throttled (HTTP 429), Retry-After 3 s');
  });

  it('backs off 2 s doubling on a 429 without Retry-After', async () => {
    const { operation } = failing(throttled(), throttled());
    await policy.run(operation);
    expect(clock.sleeps).toEqual([2000, 4000]);
  });

  it('refreshes the token once on 401 and retries after a short pause', async () => {
    const { operation, contexts } = failing(unauthorized());
    await expect(policy.run(operation)).resolves.toBe('done');
    expect(contexts.map((context) => context.forceTokenRefresh)).toEqual([false, true]);
    expect(clock.sleeps).toEqual([1000]);
    expect(events[0]).toMatchObject({ attempt: 1, delayMs: 1000, reason: expect.stringContaining('401') });
  });

  it('does not repeat a New-/Remove- call that failed transiently (its answer may be lost); Set- is repeated', async () => {
    const { operation: create, contexts: createTries } = failing(
      new TransientError('HTTP 504', 'retry', 'New-AuthenticationPolicy'),
    );
    await expect(policy.run(create, { cmdlet: 'New-AuthenticationPolicy' })).rejects.toBeInstanceOf(TransientError);
    expect(createTries).toHaveLength(1);
    const { operation: remove } = failing(new TransientError('reset', 'retry'));
    await expect(policy.run(remove, { cmdlet: 'Remove-AuthenticationPolicy' })).rejects.toBeInstanceOf(TransientError);
    const { operation: set, contexts: setTries } = failing(new TransientError('HTTP 504', 'retry', 'Set-User'));
    await expect(policy.run(set, { cmdlet: 'Set-User' })).resolves.toBe('done');
    expect(setTries).toHaveLength(2);
    expect(isIdempotentCmdlet('Get-User')).toBe(true);
    expect(isIdempotentCmdlet('new-authenticationpolicy')).toBe(false);
  });

  it('fails with AuthenticationError on a second 401', async () => {
    const second = unauthorized();
    const { operation, contexts } = failing(unauthorized(), second);
    await expect(policy.run(operation)).rejects.toBe(second);
    expect(contexts).toHaveLength(2);
  });

  it('does not refresh on 403 or on a credential Entra ID refused', async () => {
    for (const error of [
      new AuthenticationError('403', 'role', 403),
      new AuthenticationError('AADSTS7000215', 'secret'),
    ]) {
      const { operation, contexts } = failing(error);
      await expect(policy.run(operation)).rejects.toBe(error);
      expect(contexts).toHaveLength(1);
    }
  });

  it('only forces a refresh on the attempt right after the 401', async () => {
    const { operation, contexts } = failing(unauthorized(), unavailable());
    await policy.run(operation);
    expect(contexts.map((context) => context.forceTokenRefresh)).toEqual([false, true, false]);
  });

  it('retries 503 five times in all with 2/4/8/16 s backoff, then gives up with the last error', async () => {
    const { operation, contexts } = failing(
      unavailable(),
      unavailable(),
      unavailable(),
      unavailable(),
      unavailable(),
      unavailable(),
    );
    const error = await policy.run(operation, { cmdlet: 'Get-X' }).catch((e: unknown) => e);
    expect(contexts).toHaveLength(5);
    expect(clock.sleeps).toEqual([2000, 4000, 8000, 16000]);
    expect(error).toBeInstanceOf(TransientError);
    expect((error as TransientError).message).toBe('HTTP 503 (gave up after 5 tries and 30 s of waiting)');
    expect((error as TransientError).remedy).toBe('try later');
  });

  it('succeeds when a transient failure clears up', async () => {
    const { operation } = failing(unavailable(), unavailable());
    await expect(policy.run(operation)).resolves.toBe('done');
    expect(clock.sleeps).toEqual([2000, 4000]);
  });

  it('never retries invalid input, not found, service bugs, configuration or unreachable endpoints', async () => {
    const finals = [
      new InvalidInputError('400', 'fix'),
      new NotFoundError('404', 'gone'),
      new ServiceBugError('Object reference not set', 'report'),
      new ConfigurationError('bad', 'fix', ['organization']),
      new UnreachableError('ECONNREFUSED', 'check'),
    ];
    for (const final of finals) {
      const { operation, contexts } = failing(final);
      await expect(policy.run(operation)).rejects.toBe(final);
      expect(contexts).toHaveLength(1);
    }
    expect(clock.sleeps).toEqual([]);
    expect(events).toEqual([]);
  });

  it('passes non-Exchange errors (bugs) through untouched', async () => {
    const bug = new TypeError('x is undefined');
    await expect(policy.run(async () => Promise.reject(bug))).rejects.toBe(bug);
  });

  describe('total wait bound', () => {
    it('fails at once with a ThrottledError and a remedy when honouring Retry-After would exceed it', async () => {
      const bounded = new RetryPolicy({ clock, maxTotalWaitMs: 60_000 });
      const { operation, contexts } = failing(throttled(30), throttled(31));
      const error = (await bounded
        .run(operation, { cmdlet: 'Set-CASMailbox' })
        .catch((e: unknown) => e)) as ThrottledError;
      expect(contexts).toHaveLength(2);
      expect(clock.sleeps).toEqual([30_000]); // it did not sleep the 31 s it would then fail after
      expect(error).toBeInstanceOf(ThrottledError);
      expect(error.retryAfterMs).toBe(31_000);
      expect(error.message).toContain('asked to wait 31 s');
      expect(error.message).toContain('60 s retry budget');
      expect(error.remedy).toMatch(/-parallelism/);
      expect(error.remedy).toMatch(/try again later/);
      expect(error.cmdlet).toBe('Get-X');
    });

    it('does not sleep at all when the very first Retry-After exceeds the bound', async () => {
      const { operation } = failing(throttled(600));
      await expect(policy.run(operation)).rejects.toBeInstanceOf(ThrottledError);
      expect(clock.sleeps).toEqual([]);
    });

    it('stops transient backoff when the next wait would exceed the bound', async () => {
      const bounded = new RetryPolicy({ clock, maxTotalWaitMs: 10_000 });
      const { operation, contexts } = failing(unavailable(), unavailable(), unavailable());
      await expect(bounded.run(operation)).rejects.toBeInstanceOf(TransientError);
      expect(clock.sleeps).toEqual([2000, 4000]); // 2 + 4 + 8 > 10
      expect(contexts).toHaveLength(3);
    });

    it('is shared between runs that use the same budget (the pages of one call)', async () => {
      const bounded = new RetryPolicy({ clock, maxTotalWaitMs: 10_000 });
      const budget = { waitedMs: 0 };
      await bounded.run(failing(throttled(6)).operation, { budget });
      await expect(bounded.run(failing(throttled(6)).operation, { budget })).rejects.toBeInstanceOf(ThrottledError);
      expect(budget.waitedMs).toBe(6000);
    });

    it('caps a service that keeps answering Retry-After: 0', async () => {
      const capped = new RetryPolicy({ clock, maxThrottledRetries: 3 });
      const { operation, contexts } = failing(throttled(0), throttled(0), throttled(0), throttled(0), throttled(0));
      await expect(capped.run(operation)).rejects.toBeInstanceOf(ThrottledError);
      expect(contexts).toHaveLength(4);
    });
  });

  describe('cancellation', () => {
    it('ends a wait promptly with CancelledError when the signal aborts', async () => {
      const controller = new AbortController();
      const sleeping = clock.holdSleeps();
      const { operation, contexts } = failing(throttled(120));
      const run = policy.run(operation, { signal: controller.signal, cmdlet: 'Get-X' });
      await sleeping;
      controller.abort();
      const error = await run.catch((e: unknown) => e);
      expect(error).toBeInstanceOf(CancelledError);
      expect((error as CancelledError).cmdlet).toBe('Get-X');
      expect(contexts).toHaveLength(1);
    });

    it('does not start when already aborted', async () => {
      const controller = new AbortController();
      controller.abort();
      const { operation, contexts } = failing();
      await expect(policy.run(operation, { signal: controller.signal })).rejects.toBeInstanceOf(CancelledError);
      expect(contexts).toHaveLength(0);
    });

    it('reports whatever an attempt fails with after the abort as a cancellation, and passes the signal on', async () => {
      const controller = new AbortController();
      const run = policy.run(
        async (context) => {
          expect(context.signal).toBe(controller.signal);
          controller.abort();
          throw unavailable();
        },
        { signal: controller.signal },
      );
      await expect(run).rejects.toBeInstanceOf(CancelledError);
      expect(clock.sleeps).toEqual([]);
    });
  });

  it('rejects nonsensical options', () => {
    expect(() => new RetryPolicy({ maxAttempts: 0 })).toThrow(RangeError);
    expect(() => new RetryPolicy({ maxTotalWaitMs: -1 })).toThrow(RangeError);
  });
});

describe('isTransientExceptionName', () => {
  it('knows the exceptions the official module retries, bare or namespaced', () => {
    expect(isTransientExceptionName('DCOverloadedException')).toBe(true);
    expect(isTransientExceptionName('Microsoft.Exchange.Data.Directory.SuitabilityDirectoryException')).toBe(true);
    expect(isTransientExceptionName('ServerInMMException')).toBe(true);
    expect(isTransientExceptionName('ADServerSettingsChangedException')).toBe(true);
    expect(isTransientExceptionName('StorageTransientException')).toBe(true);
    expect(isTransientExceptionName('ManagementObjectNotFoundException')).toBe(false);
  });
});
