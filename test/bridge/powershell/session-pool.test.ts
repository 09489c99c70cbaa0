/** The session pool's rules, with fake sessions: bound, one start at a time, replacement, close, cancellation. */
import { CancelledError } from '../../../src/bridge/errors';
import type { PowerShellSession } from '../../../src/bridge/powershell/powershell-session';
import { SessionPool } from '../../../src/bridge/powershell/session-pool';

class FakeSession {
  alive = true;
  closed = false;
  constructor(readonly id: number) {}
  kill(): void {
    this.alive = false;
  }
  async close(): Promise<void> {
    this.closed = true;
    this.alive = false;
  }
}

function deferred<T>(): { promise: Promise<T>; resolve: (value: T) => void; reject: (error: unknown) => void } {
  let resolve!: (value: T) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<T>((res, rej) => ((resolve = res), (reject = rej)));
  return { promise, resolve, reject };
}

const tick = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

describe('SessionPool', () => {
  let starts: Array<ReturnType<typeof deferred<PowerShellSession>>>;
  let pool: SessionPool;
  let made: FakeSession[];
  beforeEach(() => {
    starts = [];
    made = [];
    pool = new SessionPool(() => {
      const start = deferred<PowerShellSession>();
      starts.push(start);
      return start.promise;
    }, 3);
  });
  const finishStart = (index: number): FakeSession => {
    const session = new FakeSession(index);
    made.push(session);
    starts[index]!.resolve(session as unknown as PowerShellSession);
    return session;
  };

  test('starts one session at a time, the next only while callers still wait, never more than the bound', async () => {
    const callers = Array.from({ length: 5 }, () => pool.acquire());
    await tick();
    expect(starts).toHaveLength(1);
    finishStart(0);
    await tick();
    expect(starts).toHaveLength(2);
    finishStart(1);
    await tick();
    finishStart(2);
    await tick();
    expect(starts).toHaveLength(3);
    const [a, b, c] = await Promise.all(callers.slice(0, 3));
    expect(new Set([a, b, c]).size).toBe(3);
    pool.release(a!);
    pool.release(b!);
    const [d, e] = await Promise.all(callers.slice(3));
    expect([d, e].sort()).toEqual([a, b].sort());
    expect(starts).toHaveLength(3);
    expect(pool.size).toBe(3);
  });

  test('a dead session is dropped on release and replaced on demand', async () => {
    const first = pool.acquire();
    finishStart(0);
    const session = await first;
    (session as unknown as FakeSession).kill();
    pool.release(session);
    expect(pool.size).toBe(0);
    const second = pool.acquire();
    await tick();
    finishStart(1);
    expect(await second).not.toBe(session);
  });

  test('a failed start frees the slot and lets a waiting caller try', async () => {
    const first = pool.acquire();
    const second = pool.acquire();
    await tick();
    starts[0]!.reject(new Error('pwsh exploded'));
    await expect(first).rejects.toThrow('pwsh exploded');
    await tick();
    expect(starts).toHaveLength(2);
    finishStart(1);
    await expect(second).resolves.toBe(made[0]);
  });

  test('close: idle sessions are closed, a session that finishes starting afterwards is closed too, callers are cancelled', async () => {
    const first = pool.acquire();
    finishStart(0);
    pool.release(await first);
    const second = pool.acquire();
    const third = pool.acquire();
    await tick();
    // `second` took the idle session; `third` is starting a new one.
    const closing = pool.close();
    finishStart(1);
    await closing;
    await expect(third).rejects.toBeInstanceOf(CancelledError);
    const lent = await second;
    pool.release(lent);
    expect(made.every((session) => session.closed || !session.alive)).toBe(true);
    await expect(pool.acquire()).rejects.toBeInstanceOf(CancelledError);
  });

  test('a caller waiting for a session can be cancelled', async () => {
    const small = new SessionPool(async () => new FakeSession(0) as unknown as PowerShellSession, 1);
    const held = await small.acquire();
    const controller = new AbortController();
    const waiting = small.acquire(controller.signal);
    controller.abort();
    await expect(waiting).rejects.toBeInstanceOf(CancelledError);
    small.release(held);
    await expect(small.acquire()).resolves.toBe(held);
  });
});
