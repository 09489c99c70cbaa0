/**
 * One pwsh process driven through node-powershell, reduced to what a session needs: run a script, get its stdout
 * and stderr, kill the process, learn when it exited.
 *
 * node-powershell is required here, on first use, so a provider configured for the REST bridge never loads it.
 * It spawns `<executable> -NoLogo [-NoProfile -NonInteractive] -NoExit -Command -`, writes each script between
 * random delimiters that it echoes on stdout and stderr, and reads back what came between them. Its template helpers
 * (PowerShell.$`...`, command``) are never used: they splice values into double-quoted strings.
 *
 * Adjustments to the library, all local to this file:
 * - the executable is exactly `powershell_path` (node-powershell would otherwise prefer $NODE_POWERSHELL);
 * - its exit promise, which rejects when the process dies with no script running, is observed (it would otherwise
 *   be an unhandled rejection, which ends a Node process);
 * - its per-instance history of every script and output is cleared after each script (it would grow for ever in a
 *   long-lived session and keep every result in memory).
 */

import type { ChildProcess } from 'node:child_process';
import type { PowerShell as NodePowerShell, PowerShellOptions } from 'node-powershell';

export interface ShellOutput {
  stdout: string;
  stderr: string;
}

export interface ShellExit {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** Set when the process could not be started (spawn error), e.g. ENOENT. */
  spawnError?: NodeJS.ErrnoException;
}

export interface ShellProcess {
  readonly pid: number | undefined;
  /** Runs one script. Resolves with what it printed; rejects with ShellExitedError when the process is gone. */
  run(script: string): Promise<ShellOutput>;
  /** Ends the process at once (SIGKILL). Safe to call twice. */
  kill(): void;
  /** Resolves when the process has exited; never rejects. */
  readonly exited: Promise<ShellExit>;
  isAlive(): boolean;
}

export interface ShellStartOptions {
  executable: string;
  /** Leave out -NonInteractive (delegated sign-in may need to show a sign-in window). */
  interactive: boolean;
  env: NodeJS.ProcessEnv;
  cwd?: string;
}

export type ShellStarter = (options: ShellStartOptions) => ShellProcess;

export class ShellExitedError extends Error {
  constructor(
    readonly exit: ShellExit | undefined,
    readonly stderr: string,
  ) {
    super('the PowerShell process exited');
    this.name = 'ShellExitedError';
  }
}

type NodePowerShellModule = typeof import('node-powershell');

let loaded: NodePowerShellModule | undefined;
function nodePowerShell(): NodePowerShellModule {
  // Loaded here, on first use: only providers configured with bridge = "powershell" pay for it.
  return (loaded ??= require('node-powershell') as NodePowerShellModule);
}

/** Internals of child-shell 5.0 that this adapter relies on (pinned by package.json: node-powershell 5.0.1). */
interface ShellInternals {
  process?: ChildProcess;
  exitPromise?: Promise<void>;
  history?: unknown[];
}

export const startNodePowerShell: ShellStarter = (options) => {
  const { PowerShell } = nodePowerShell();
  const executable = options.executable;
  class ExoformPowerShell extends PowerShell {
    // The configured path, always: node-powershell would let $NODE_POWERSHELL override it.
    protected override setExecutable(): string {
      return executable;
    }
  }
  const shellOptions: PowerShellOptions = {
    executableOptions: { '-NoProfile': true, '-NonInteractive': !options.interactive },
    spawnOptions: { env: options.env, cwd: options.cwd, windowsHide: true },
    throwOnInvocationError: false,
    debug: false,
  };
  return new NodePowerShellProcess(new ExoformPowerShell(shellOptions));
};

class NodePowerShellProcess implements ShellProcess {
  readonly exited: Promise<ShellExit>;
  private exit?: ShellExit;
  private readonly internals: ShellInternals;

  constructor(private readonly shell: NodePowerShell) {
    this.internals = shell as unknown as ShellInternals;
    const child = this.internals.process;
    this.exited = new Promise<ShellExit>((resolve) => {
      if (!child) {
        resolve({ code: null, signal: null });
        return;
      }
      child.once('error', (error: NodeJS.ErrnoException) => {
        // A spawn failure emits 'error' and no 'exit'.
        if (child.pid === undefined) {
          this.exit ??= { code: null, signal: null, spawnError: error };
          resolve(this.exit);
        }
      });
      child.once('exit', (code, signal) => {
        this.exit ??= { code, signal };
        resolve(this.exit);
      });
    });
    // Observed so a process that dies between scripts is not an unhandled rejection.
    this.internals.exitPromise?.catch(() => undefined);
    shell.streams.stdin.on('error', () => undefined);
  }

  get pid(): number | undefined {
    return this.internals.process?.pid;
  }

  isAlive(): boolean {
    return this.exit === undefined;
  }

  async run(script: string): Promise<ShellOutput> {
    if (!this.isAlive()) throw new ShellExitedError(this.exit, '');
    let stdout = '';
    let stderr = '';
    try {
      const record = await this.shell.invoke(script);
      stdout = record.stdout?.toString('utf8') ?? '';
      stderr = record.stderr?.toString('utf8') ?? '';
    } catch (error) {
      // ProcessError (died mid-script) or InvocationError (invoked after exit).
      await Promise.race([this.exited, new Promise((resolve) => setTimeout(resolve, 100))]);
      throw new ShellExitedError(this.exit, messageOf(error));
    } finally {
      if (Array.isArray(this.internals.history)) this.internals.history.length = 0;
    }
    if (!this.isAlive() || (stdout === '' && stderr === '' && (await this.exitedSoon()))) {
      throw new ShellExitedError(this.exit, stderr);
    }
    return { stdout, stderr };
  }

  kill(): void {
    if (!this.isAlive()) return;
    this.shell.dispose('SIGKILL').catch(() => undefined);
  }

  /** node-powershell resolves a script with empty output when the process exits mid-script with code 0. */
  private async exitedSoon(): Promise<boolean> {
    await Promise.race([this.exited, new Promise((resolve) => setTimeout(resolve, 50))]);
    return !this.isAlive();
  }
}

function messageOf(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  return text
    .replace(/^Shell process( \d+)? exited\.\s*/, '')
    .replace(/^undefined$/, '')
    .trim();
}
