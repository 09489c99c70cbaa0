/**
 * The Exchange bridge over PowerShell: Microsoft's ExchangeOnlineManagement module in long-lived pwsh sessions,
 * driven through node-powershell. Same interface, same typed errors and same retry policy as the REST bridge, so
 * every resource behaves identically whichever one the provider block selects.
 *
 * Each call is `Invoke-ExoformCall '<base64 JSON>'` in a pooled session (see session-script.ts for why no value can
 * change the script). Throttled and transient failures go through the shared RetryPolicy; an expired connection is
 * reconnected once inside the session.
 *
 * invokeBatch is deliberately not implemented: the module sends every cmdlet as its own request to the service
 * anyway, so running ten cmdlets in one script would save only pipe round trips (well under a millisecond each)
 * while adding a second script shape and per-item retry bookkeeping. Callers fall back to `invoke` per item
 * (ConcurrencyLimitedBridge and MailboxDirectory both do).
 */

import type { CmdletParameters, CmdletResult, ExchangeBridge, InvokeOptions } from '../bridge';
import { systemClock, type Clock } from '../clock';
import { InvalidInputError } from '../errors';
import { createBridgeRetryPolicy, type RetryPolicy, type RetryPolicyOptions } from '../retry';
import { prepareCall } from '../rest/cmdlet-call';
import { parametersForLog, type BridgeLogger } from '../rest/rest-logging';
import type { PowerShellConnection } from './connection';
import { allocateSessionId, PowerShellSession, type SessionTimeouts } from './powershell-session';
import { SessionPool } from './session-pool';
import { startNodePowerShell, type ShellStarter } from './shell';

export interface PowerShellBridgeOptions {
  connection: PowerShellConnection;
  /** Sessions at once for this tenant. Default 1. */
  maxSessions?: number;
  timeouts?: Partial<SessionTimeouts>;
  retry?: Omit<RetryPolicyOptions, 'clock'>;
  clock?: Clock;
  logger?: BridgeLogger;
  /** The pwsh process's environment before secrets are added. Default: this process's, minus exoform's secret variables. */
  baseEnvironment?: NodeJS.ProcessEnv;
  /** Seam for tests; default node-powershell. */
  startShell?: ShellStarter;
}

export const DEFAULT_SESSION_TIMEOUTS: SessionTimeouts = {
  startMs: 60_000,
  connectMs: 5 * 60_000,
  callMs: 15 * 60_000,
  // Terraform kills a provider about 2 s after asking it to shut down; Disconnect + exit must fit.
  closeStepMs: 800,
};

/** Provider-level variables that hold secrets: the pwsh process gets its secrets through its own variables only. */
const INHERITED_SECRETS = ['EXO_ACCESS_TOKEN', 'EXO_CLIENT_SECRET', 'EXO_CERTIFICATE_PASSWORD'];

export class PowerShellBridge implements ExchangeBridge {
  readonly organization: string;
  private readonly pool: SessionPool;
  private readonly retry: RetryPolicy;
  private readonly logger?: BridgeLogger;

  constructor(options: PowerShellBridgeOptions) {
    const { connection } = options;
    this.organization = connection.organization;
    this.logger = options.logger;
    const timeouts = { ...DEFAULT_SESSION_TIMEOUTS, ...options.timeouts };
    const environment: NodeJS.ProcessEnv = { ...(options.baseEnvironment ?? process.env) };
    for (const name of INHERITED_SECRETS) delete environment[name];
    Object.assign(environment, connection.secretEnvironment);
    const startShell = options.startShell ?? startNodePowerShell;
    this.pool = new SessionPool(
      (signal) =>
        PowerShellSession.start(
          {
            executable: connection.executable,
            interactive: connection.interactive,
            environment,
            connectPayload: connection.connectPayload,
            organization: connection.organization,
            authentication: connection.authentication,
            secrets: connection.secrets,
            timeouts,
            startShell,
            logger: options.logger,
            id: allocateSessionId(),
          },
          signal,
        ),
      options.maxSessions ?? 1,
    );
    this.retry = createBridgeRetryPolicy({
      retry: options.retry,
      clock: options.clock ?? systemClock,
      logger: this.logger,
    });
  }

  async invoke(cmdlet: string, parameters: CmdletParameters, options: InvokeOptions = {}): Promise<CmdletResult> {
    const call = prepareCall(cmdlet, parameters);
    checkForPowerShell(call.cmdlet, call.parameters);
    this.logger?.('debug', `invoking ${cmdlet}`, {
      cmdlet,
      parameters: parametersForLog(parameters),
      bridge: 'powershell',
    });
    return this.retry.run(
      async (attempt) => {
        const session = await this.pool.acquire(attempt.signal);
        try {
          return await session.invoke(call.cmdlet, call.parameters, attempt.signal);
        } finally {
          this.pool.release(session);
        }
      },
      { signal: options.signal, cmdlet },
    );
  }

  /** Closes every session: Disconnect-ExchangeOnline, then exit; anything that does not finish in time is killed. */
  close(): Promise<void> {
    return this.pool.close();
  }

  /** Sessions that exist now (for tests). */
  get sessionCount(): number {
    return this.pool.size;
  }
}

/**
 * What PowerShell would treat differently from the REST endpoint is refused up front, with the same error kind the
 * service gives: parameter names that differ only in case (PowerShell would silently keep one; the service answers
 * ParameterAlreadyBound) and strings System.Text.Json cannot decode (unpaired UTF-16 surrogates).
 */
function checkForPowerShell(cmdlet: string, parameters: CmdletParameters): void {
  const seen = new Map<string, string>();
  for (const name of Object.keys(parameters)) {
    if (!/^[A-Za-z][A-Za-z0-9]*$/.test(name)) {
      throw new InvalidInputError(
        `${JSON.stringify(name.slice(0, 80))} is not a parameter name of ${cmdlet}.`,
        'This is a bug in exoform: please report it.',
        cmdlet,
      );
    }
    const key = name.toLowerCase();
    const previous = seen.get(key);
    if (previous !== undefined) {
      throw new InvalidInputError(
        `Cannot bind parameter because parameter '${name}' is specified more than once (also as '${previous}').`,
        'This is a bug in exoform: please report it.',
        cmdlet,
      );
    }
    seen.set(key, name);
  }
  // With the u flag a well-formed pair is one code point, so this matches unpaired surrogates only.
  if (/[\uD800-\uDFFF]/u.test(collectStrings(parameters))) {
    throw new InvalidInputError(
      `A value for ${cmdlet} contains an unpaired UTF-16 surrogate, which is not text and cannot be sent to Exchange.`,
      'Correct the value in the configuration (it is probably a truncated emoji or other character outside the Basic Multilingual Plane).',
      cmdlet,
    );
  }
}

function collectStrings(value: unknown): string {
  if (typeof value === 'string') return value;
  if (Array.isArray(value)) return value.map(collectStrings).join('\u0000');
  if (typeof value === 'object' && value !== null)
    return Object.entries(value)
      .map(([key, item]) => `${key}\u0000${collectStrings(item)}`)
      .join('\u0000');
  return '';
}
