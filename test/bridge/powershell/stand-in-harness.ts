/**
 * Runs the PowerShell bridge for real (node-powershell, child processes, delimiters) against the pwsh stand-in, a
 * TEST DOUBLE that forwards to the emulator. Gives tests the stand-in's event log and fault file.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startEmulator, type RunningEmulator } from '../../../src/emulator';
import { createPowerShellBridge, type PowerShellBridge } from '../../../src/bridge/powershell/powershell-exports';
import type { PowerShellBridgeSettings } from '../../../src/bridge/powershell/connection';
import type { PowerShellBridgeRuntimeOptions } from '../../../src/bridge/powershell/create-powershell-bridge';
import type { LogFields, LogLevel } from '../../../src/bridge/rest/rest-logging';
import { EmulatorInspector } from '../../support/emulator';

export const ORG = 'contoso.onmicrosoft.com';
export const STAND_IN = join(__dirname, '../../support/pwsh-stand-in/pwsh-stand-in.js');

export interface StandInEvent {
  pid: number;
  event: 'start' | 'bootstrap' | 'connect' | 'call' | 'disconnect' | 'exit' | 'rejected' | 'fault';
  [key: string]: unknown;
}

export interface FaultRule {
  on: 'bootstrap' | 'connect' | 'call' | 'disconnect' | 'exit';
  action: 'hang' | 'crash' | 'stderr' | 'noise' | 'garbage' | 'not-connected' | 'expire' | 'error';
  cmdlet?: string;
  times?: number;
  text?: string;
  type?: string;
  status?: number;
  exitCode?: number;
  /** For action "error": the session step the error is reported from (default: the step the rule matched). */
  stage?: string;
}

export class StandInHarness {
  readonly directory = mkdtempSync(join(tmpdir(), 'exoform-pwsh-'));
  readonly logFile = join(this.directory, 'stand-in.log');
  readonly faultFile = join(this.directory, 'faults.json');
  readonly logs: Array<{ level: LogLevel; message: string; fields: LogFields }> = [];
  private readonly bridges: PowerShellBridge[] = [];

  readonly inspect: EmulatorInspector;

  private constructor(readonly emulator: RunningEmulator) {
    this.inspect = new EmulatorInspector(emulator.url, emulator.token);
  }

  static async start(token = 'stand-in-test-token-42'): Promise<StandInHarness> {
    return new StandInHarness(await startEmulator({ token }));
  }

  /** A bridge over the stand-in, signed in with the emulator's token unless the settings say otherwise. */
  bridge(
    settings: Partial<PowerShellBridgeSettings> = {},
    runtime: PowerShellBridgeRuntimeOptions = {},
    extraEnvironment: Record<string, string> = {},
  ): PowerShellBridge {
    const hasCredential = [
      'accessToken',
      'certificatePath',
      'managedIdentity',
      'userPrincipalName',
      'clientSecret',
    ].some((key) => key in settings);
    const bridge = createPowerShellBridge(
      {
        organization: ORG,
        endpoint: this.emulator.url,
        powershellPath: STAND_IN,
        ...(hasCredential ? {} : { accessToken: this.emulator.token }),
        ...settings,
      },
      {
        logger: (level, message, fields) => this.logs.push({ level, message, fields }),
        retry: { initialBackoffMs: 5 },
        baseEnvironment: {
          ...process.env,
          EXOFORM_STAND_IN_LOG: this.logFile,
          EXOFORM_STAND_IN_FAULTS: this.faultFile,
          ...extraEnvironment,
        },
        ...runtime,
      },
    );
    this.bridges.push(bridge);
    return bridge;
  }

  faults(rules: FaultRule[]): void {
    writeFileSync(this.faultFile, JSON.stringify(rules));
  }

  events(): StandInEvent[] {
    if (!existsSync(this.logFile)) return [];
    return readFileSync(this.logFile, 'utf8')
      .split('\n')
      .filter((line) => line !== '')
      .map((line) => JSON.parse(line) as StandInEvent);
  }

  /** Stand-in processes that started, by pid. */
  pids(): number[] {
    return [
      ...new Set(
        this.events()
          .filter((e) => e.event === 'start')
          .map((e) => e.pid),
      ),
    ];
  }

  async stop(): Promise<void> {
    await Promise.all(this.bridges.map((bridge) => bridge.close()));
    await this.emulator.close();
    rmSync(this.directory, { recursive: true, force: true });
  }
}

export function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

export async function eventually(condition: () => boolean, timeoutMs = 5000, what = 'condition'): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
