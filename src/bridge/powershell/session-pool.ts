/**
 * A bounded pool of PowerShell sessions for one tenant. Sessions start lazily (a provider run that never calls
 * Exchange never starts pwsh), one at a time (a further session starts only if callers are still waiting once the
 * previous one is up), are reused for every call, and are replaced when one dies or is killed. At most
 * `maxSessions` exist at once, starting ones included; further callers wait for one to be released.
 *
 * A pwsh process with ExchangeOnlineManagement loaded costs a few seconds to start and a few hundred MB, and the
 * service limits concurrent connections per identity, so the bound stays small (the provider uses at most 3).
 */

import { CancelledError } from '../errors';
import { positiveInteger } from '../validate';
import type { PowerShellSession } from './powershell-session';

export class SessionPool {
  private readonly idle: PowerShellSession[] = [];
  /** Sessions that exist (idle or lent out) plus sessions being started. */
  private count = 0;
  private closed = false;
  private readonly lent = new Set<PowerShellSession>();
  private readonly waiting = new Set<() => void>();
  private readonly starting = new Set<Promise<PowerShellSession>>();
  /** Closes of sessions that finished starting after close() began. */
  private readonly lateCloses: Array<Promise<void>> = [];

  constructor(
    private readonly startSession: (signal?: AbortSignal) => Promise<PowerShellSession>,
    readonly maxSessions: number,
  ) {
    positiveInteger('maxSessions', maxSessions);
  }

  /** Sessions that exist now, starting ones included (for tests and logs). */
  get size(): number {
    return this.count;
  }

  /** An idle session, a new one if the bound allows, or the next one released. */
  async acquire(signal?: AbortSignal): Promise<PowerShellSession> {
    for (;;) {
      if (this.closed) throw new CancelledError();
      if (signal?.aborted) throw new CancelledError();
      const session = this.takeIdle();
      if (session) return this.lend(session);
      if (this.count < this.maxSessions && this.starting.size === 0) return this.lend(await this.create(signal));
      await this.changed(signal);
    }
  }

  /** Gives a session back. Dead sessions are dropped, which frees their slot. */
  release(session: PowerShellSession): void {
    if (!this.lent.delete(session)) return;
    if (this.closed) {
      this.count--;
      void session.close();
    } else if (session.alive) {
      this.idle.push(session);
    } else {
      this.count--;
      session.kill();
    }
    this.notify();
  }

  /** Closes every session (Disconnect-ExchangeOnline, exit). Sessions lent out are closed when released. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.notify();
    const idle = this.idle.splice(0);
    this.count -= idle.length;
    // Sessions still starting are closed as soon as they are up (create() sees `closed`).
    await Promise.all([
      ...idle.map((session) => session.close()),
      ...[...this.starting].map((start) =>
        start.then(
          () => undefined,
          () => undefined,
        ),
      ),
    ]);
    await Promise.all(this.lateCloses);
    for (const session of this.lent) session.kill();
  }

  private takeIdle(): PowerShellSession | undefined {
    while (this.idle.length > 0) {
      const session = this.idle.shift()!;
      if (session.alive) return session;
      this.count--;
    }
    return undefined;
  }

  private lend(session: PowerShellSession): PowerShellSession {
    this.lent.add(session);
    return session;
  }

  private async create(signal?: AbortSignal): Promise<PowerShellSession> {
    this.count++;
    const start = this.startSession(signal);
    this.starting.add(start);
    let session: PowerShellSession;
    try {
      session = await start;
    } catch (error) {
      this.starting.delete(start);
      if (!this.closed) this.count--;
      this.notify();
      throw error;
    }
    this.starting.delete(start);
    if (this.closed) {
      this.count--;
      this.lateCloses.push(session.close());
      throw new CancelledError();
    }
    // Callers still waiting may start the next session now.
    this.notify();
    return session;
  }

  private changed(signal?: AbortSignal): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const wake = (): void => {
        signal?.removeEventListener('abort', onAbort);
        this.waiting.delete(wake);
        resolve();
      };
      const onAbort = (): void => {
        this.waiting.delete(wake);
        reject(new CancelledError());
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.waiting.add(wake);
    });
  }

  private notify(): void {
    for (const wake of [...this.waiting]) wake();
  }
}
