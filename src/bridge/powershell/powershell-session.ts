/**
 * One long-lived pwsh process signed in to one tenant: started once (bootstrap, Import-Module, Connect-ExchangeOnline),
 * then reused for every cmdlet until the provider shuts down.
 *
 * - Every script has a time limit. A session that does not answer in time is killed (it cannot be trusted to be in
 *   step with the delimiters any more) and the pool starts a fresh one for the next call.
 * - A call cancelled by Terraform kills the session too: PowerShell offers no way to interrupt a running cmdlet
 *   from outside that leaves the session usable.
 * - An expired or lost connection gets one Disconnect + Connect, then the call runs again once.
 * - Closing sends Disconnect-ExchangeOnline and `exit`, each with a short bound, then kills whatever is left.
 */

import type { CmdletParameters, CmdletResult } from '../bridge';
import { CancelledError, ExchangeError, ServiceBugError, TransientError } from '../errors';
import type { BridgeLogger } from '../rest/rest-logging';
import { scrubSecrets } from '../rest/rest-logging';
import { errorFromPowerShell, needsReconnect, startFailure, type AuthenticationKind } from './error-mapping';
import {
  bootstrapScript,
  callScript,
  connectScript,
  DISCONNECT_SCRIPT,
  EXIT_SCRIPT,
  readScriptOutput,
  SESSION_PROTOCOL_VERSION,
  type ConnectPayload,
  type PowerShellErrorInfo,
  type ScriptResult,
} from './session-script';
import { ShellExitedError, type ShellProcess, type ShellStarter } from './shell';

export interface SessionTimeouts {
  /** Starting pwsh and defining the session functions. */
  startMs: number;
  /** Import-Module and Connect-ExchangeOnline (delegated sign-in waits for a person). */
  connectMs: number;
  /** One cmdlet. */
  callMs: number;
  /** Each of Disconnect and exit when closing. */
  closeStepMs: number;
}

export interface SessionOptions {
  executable: string;
  interactive: boolean;
  /** The environment of the pwsh process, secrets included (they are read from it by the session functions). */
  environment: NodeJS.ProcessEnv;
  connectPayload: ConnectPayload;
  organization: string;
  authentication: AuthenticationKind;
  /** Secret values, removed from every text that leaves the session. */
  secrets: ReadonlyArray<string | undefined>;
  timeouts: SessionTimeouts;
  startShell: ShellStarter;
  logger?: BridgeLogger;
  /** For log lines: the n-th session of this bridge. */
  id: number;
}

interface Exchange {
  result: ScriptResult;
  /** Non-empty stderr lines, scrubbed: warnings the module wrote outside the warning stream. */
  stderrLines: string[];
}

let nextSessionId = 1;
export function allocateSessionId(): number {
  return nextSessionId++;
}

export class PowerShellSession {
  private closed = false;
  private busy = false;

  private constructor(
    private readonly shell: ShellProcess,
    private readonly options: SessionOptions,
  ) {}

  /** Starts pwsh, defines the session functions, imports the module and connects. Kills the process on any failure. */
  static async start(options: SessionOptions, signal?: AbortSignal): Promise<PowerShellSession> {
    if (signal?.aborted) throw new CancelledError();
    let shell: ShellProcess;
    try {
      shell = options.startShell({
        executable: options.executable,
        interactive: options.interactive,
        env: options.environment,
      });
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      throw startFailure(options.executable, code, error instanceof Error ? error.message : String(error));
    }
    const session = new PowerShellSession(shell, options);
    const started = Date.now();
    try {
      const bootstrap = await session.exchange(bootstrapScript(), 'start PowerShell', options.timeouts.startMs, signal);
      if (!bootstrap.result.ok) throw session.mapError(bootstrap.result.error, undefined);
      const version = bootstrap.result.rows[0];
      if (version?.Protocol !== SESSION_PROTOCOL_VERSION) {
        throw new ServiceBugError(
          `The PowerShell session reported protocol ${JSON.stringify(version?.Protocol)}, expected ${SESSION_PROTOCOL_VERSION}.`,
          "Check that nothing in the PowerShell profile or module path replaces exoform's session functions; report it if it persists.",
        );
      }
      session.log('debug', 'PowerShell session started', {
        pwshVersion: String(version.PSVersion ?? 'unknown'),
        pid: shell.pid,
      });
      await session.connect(signal);
      session.log('info', 'PowerShell session connected to Exchange Online', { durationMs: Date.now() - started });
      return session;
    } catch (error) {
      shell.kill();
      if (error instanceof ShellExitedError) {
        const exit = error.exit;
        if (exit?.spawnError) throw startFailure(options.executable, exit.spawnError.code, exit.spawnError.message);
        throw new TransientError(
          `PowerShell (${options.executable}) exited while starting the session${describeExit(exit)}${detail(error.stderr, options.secrets)}`,
          'Run `pwsh` by hand to check that it starts; then apply again.',
        );
      }
      throw error;
    }
  }

  /** False once the session was closed, killed, timed out or its process ended. */
  get alive(): boolean {
    return !this.closed && this.shell.isAlive();
  }

  get pid(): number | undefined {
    return this.shell.pid;
  }

  /** Runs one cmdlet. Reconnects once when the connection expired. Throws typed errors. */
  async invoke(cmdlet: string, parameters: CmdletParameters, signal?: AbortSignal): Promise<CmdletResult> {
    const script = callScript(cmdlet, parameters);
    let answer = await this.exchange(script, cmdlet, this.options.timeouts.callMs, signal);
    const warnings = [...answer.result.warnings, ...answer.stderrLines];
    if (!answer.result.ok && needsReconnect(answer.result.error)) {
      // Worded like the REST bridge's retry warning for the same event (retry.ts), so logs read the same either way.
      const lost = answer.result.error.type === 'ExoformNotConnected';
      this.log(
        'warn',
        lost
          ? 'retrying after the Exchange Online session was lost; reconnecting it once'
          : 'retrying after token refused (HTTP 401); reconnecting the PowerShell session once',
        { cmdlet },
      );
      await this.exchange(
        DISCONNECT_SCRIPT,
        'Disconnect-ExchangeOnline',
        this.options.timeouts.closeStepMs,
        signal,
      ).catch((error: unknown) => {
        if (error instanceof CancelledError) throw error;
      });
      await this.connect(signal);
      answer = await this.exchange(script, cmdlet, this.options.timeouts.callMs, signal);
      warnings.push(...answer.result.warnings, ...answer.stderrLines);
    }
    const result = answer.result;
    if (!result.ok) throw this.mapError(result.error, cmdlet);
    return { rows: result.rows, warnings: warnings.map((warning) => scrubSecrets(warning, this.options.secrets)) };
  }

  /** Disconnect-ExchangeOnline, then exit, each bounded; then the process is killed if it is still there. */
  async close(): Promise<void> {
    if (this.closed) return;
    if (this.shell.isAlive() && !this.busy) {
      try {
        await this.exchange(DISCONNECT_SCRIPT, 'Disconnect-ExchangeOnline', this.options.timeouts.closeStepMs);
        this.closed = true;
        this.busy = true;
        void this.shell.run(EXIT_SCRIPT).catch(() => undefined);
        await Promise.race([this.shell.exited, delay(this.options.timeouts.closeStepMs)]);
      } catch {
        // Closing is best effort: whatever failed, the process goes below.
      }
    }
    this.closed = true;
    this.shell.kill();
    await Promise.race([this.shell.exited, delay(300)]);
    this.log('debug', 'PowerShell session closed', { pid: this.shell.pid });
  }

  /** Ends the process at once. */
  kill(): void {
    this.closed = true;
    this.shell.kill();
  }

  private async connect(signal?: AbortSignal): Promise<void> {
    const answer = await this.exchange(
      connectScript(this.options.connectPayload),
      'Connect-ExchangeOnline',
      this.options.timeouts.connectMs,
      signal,
    );
    for (const warning of [...answer.result.warnings, ...answer.stderrLines])
      this.log('warn', `Connect-ExchangeOnline: ${warning}`, {});
    if (!answer.result.ok) {
      this.kill();
      throw this.mapError(answer.result.error, undefined);
    }
  }

  private mapError(error: PowerShellErrorInfo, cmdlet: string | undefined): ExchangeError {
    return errorFromPowerShell(error, {
      cmdlet,
      organization: this.options.organization,
      authentication: this.options.authentication,
      secrets: this.options.secrets,
    });
  }

  /**
   * Sends one script and reads its result, within `timeoutMs`. A timeout or an abort kills the process; so does an
   * answer without a result line (the session is no longer in a known state).
   */
  private async exchange(script: string, what: string, timeoutMs: number, signal?: AbortSignal): Promise<Exchange> {
    if (signal?.aborted) throw new CancelledError(cmdletOf(what));
    if (!this.alive)
      throw new TransientError(
        `The PowerShell session ended before ${what} could run.`,
        'Apply again.',
        cmdletOf(what),
      );
    this.busy = true;
    let timer: NodeJS.Timeout | undefined;
    let onAbort: (() => void) | undefined;
    try {
      const running = this.shell.run(script);
      running.catch(() => undefined);
      const stopped = new Promise<never>((_resolve, reject) => {
        timer = setTimeout(() => {
          this.kill();
          reject(
            new TransientError(
              `PowerShell did not finish ${what} within ${formatDuration(timeoutMs)}; the session was stopped and a new one will be started.`,
              'Apply again; if it keeps happening, check the network path to Exchange Online from where Terraform runs.',
              cmdletOf(what),
            ),
          );
        }, timeoutMs);
        onAbort = () => {
          this.kill();
          reject(new CancelledError(cmdletOf(what)));
        };
        signal?.addEventListener('abort', onAbort, { once: true });
      });
      let output: { stdout: string; stderr: string };
      try {
        output = await Promise.race([running, stopped]);
      } catch (error) {
        if (error instanceof ShellExitedError) {
          if (signal?.aborted) throw new CancelledError(cmdletOf(what));
          if (what === 'start PowerShell') throw error;
          this.closed = true;
          throw new TransientError(
            `PowerShell exited while running ${what}${describeExit(error.exit)}${detail(error.stderr, this.options.secrets)}`,
            'Apply again; a new PowerShell session will be started.',
            cmdletOf(what),
          );
        }
        throw error;
      }
      const { result, otherLines } = readScriptOutput(output.stdout, what);
      if (otherLines.length > 0)
        this.log('debug', `PowerShell output during ${what}`, {
          output: scrubSecrets(otherLines.join('\n').slice(0, 2000), this.options.secrets),
        });
      const stderrLines = output.stderr
        .split(/\r?\n/)
        .map((line) => line.trim())
        .filter((line) => line !== '')
        .map((line) => scrubSecrets(line, this.options.secrets));
      if (!result) {
        this.kill();
        const said = [...stderrLines, ...otherLines].join(' ').slice(0, 1000);
        throw new ServiceBugError(
          `PowerShell gave no exoform result for ${what}${said ? `; it said: ${scrubSecrets(said, this.options.secrets)}` : ''}.`,
          'Check that `powershell_path` is PowerShell 7 (pwsh) and that no profile or module interferes; the session was replaced. Report it if it persists.',
          cmdletOf(what),
        );
      }
      return { result, stderrLines };
    } finally {
      this.busy = false;
      if (timer) clearTimeout(timer);
      if (onAbort) signal?.removeEventListener('abort', onAbort);
    }
  }

  private log(
    level: 'debug' | 'info' | 'warn' | 'error',
    message: string,
    fields: Record<string, string | number | boolean | undefined>,
  ): void {
    this.options.logger?.(level, message, { session: this.options.id, ...fields });
  }
}

/** Cmdlet names look like Verb-Noun; session steps ("Connect-ExchangeOnline") too, but they are not the caller's cmdlet. */
function cmdletOf(what: string): string | undefined {
  return /^[A-Za-z]+-[A-Za-z0-9]+$/.test(what) &&
    what !== 'Connect-ExchangeOnline' &&
    what !== 'Disconnect-ExchangeOnline'
    ? what
    : undefined;
}

function describeExit(exit: { code: number | null; signal: NodeJS.Signals | null } | undefined): string {
  if (!exit) return '';
  if (exit.signal) return ` (signal ${exit.signal})`;
  if (exit.code !== null) return ` (exit code ${exit.code})`;
  return '';
}

function detail(stderr: string, secrets: ReadonlyArray<string | undefined>): string {
  const text = scrubSecrets(stderr.replace(/\s+/g, ' ').trim(), secrets);
  return text ? `: ${text.slice(0, 500)}` : '.';
}

function formatDuration(ms: number): string {
  return ms >= 120_000 ? `${+(ms / 60_000).toFixed(1)} min` : `${+(ms / 1000).toFixed(1)} s`;
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}
