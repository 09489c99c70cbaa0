/**
 * Ctrl-C during `terraform apply`, with the real terraform binary and the packaged provider: the emulator takes
 * 30 s per call, terraform is interrupted while it is creating the resource, and it must exit well before the call
 * would have finished (the provider honours StopProvider), report the interruption, and leave no provider process
 * behind.
 */
import { execFileSync, spawn } from 'node:child_process';
import { readlinkSync } from 'node:fs';
import { cliConfigPath } from '../../scripts/package';
import type { TestEmulator } from '../support/emulator';
import { startEmulatorProcess, within } from '../support/plugin-client';
import { REQUIRED_PROVIDERS, TerraformWorkspace } from '../support/terraform';

const SLOW_CALL_MS = 30_000;
/** "Did not hang": far below the 30 s the service call would take. */
const EXIT_BOUND_MS = 10_000;

const MAIN_TF = `${REQUIRED_PROVIDERS}
provider "exchangeonline" {}

resource "exchangeonline_transport_config" "org" {
  smtp_client_authentication_disabled = false
}
`;

/** Folds terraform's boxed diagnostics into one line of words. */
const flatten = (text: string): string => text.replace(/[│╷╵]/g, ' ').replace(/\s+/g, ' ');

/** PIDs of running exoform provider processes whose working directory is `dir` (terraform starts them there). */
function providerProcessesIn(dir: string): number[] {
  const listing = execFileSync('ps', ['-eo', 'pid=,args='], { encoding: 'utf8' });
  const pids: number[] = [];
  for (const line of listing.split('\n')) {
    const match = /^\s*(\d+)\s+(.*)$/.exec(line);
    if (!match || !match[2].includes('terraform-provider-exchangeonline')) continue;
    const pid = Number(match[1]);
    try {
      if (readlinkSync(`/proc/${pid}/cwd`) === dir) pids.push(pid);
    } catch {
      // exited meanwhile
    }
  }
  return pids;
}

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe('interrupting terraform apply', () => {
  let emulator: TestEmulator;
  beforeAll(async () => {
    // In its own process: its 30 s latency timer cannot be cancelled and would otherwise hold the jest worker.
    emulator = await startEmulatorProcess();
  });
  afterAll(async () => {
    await emulator?.stop();
  });

  test('Ctrl-C while creating: terraform exits promptly, reports the cancellation, leaves no provider running', async () => {
    const tf = new TerraformWorkspace({ 'main.tf': MAIN_TF }, emulator.providerEnv);
    const stray: number[] = [];
    try {
      await tf.init();
      // Planned at full speed and saved; the apply's own walk then plans the create again, and that re-plan's one
      // tenant check (a read, before "Creating...") and the create's calls take SLOW_CALL_MS each.
      await tf.expect(['plan', '-no-color', '-input=false', '-out=tfplan']);
      await emulator.inspect.request('PUT', '/_emulator/latency', { callMs: SLOW_CALL_MS });
      const revision = (await emulator.inspect.tenant()).revision;

      // Its own process group, so SIGINT can go to the whole group as a terminal's Ctrl-C does (provider included).
      const child = spawn('terraform', ['apply', '-no-color', '-input=false', 'tfplan'], {
        cwd: tf.dir,
        env: {
          ...process.env,
          TF_CLI_CONFIG_FILE: cliConfigPath(),
          TF_IN_AUTOMATION: '1',
          TF_INPUT: '0',
          CHECKPOINT_DISABLE: '1',
          TF_PLUGIN_CACHE_DIR: '',
          ...emulator.providerEnv,
        },
        stdio: ['ignore', 'pipe', 'pipe'],
        detached: true,
      });
      let stdout = '';
      let stderr = '';
      const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
      const output = (): string => `--- stdout\n${stdout}\n--- stderr\n${stderr}`;
      const creating = new Promise<void>((resolve) => {
        child.stdout.on('data', (chunk) => {
          stdout += chunk;
          if (/Creating\.\.\./.test(stdout)) resolve();
        });
      });
      child.stderr.on('data', (chunk) => (stderr += chunk));
      try {
        await within(creating, SLOW_CALL_MS + 30_000, `terraform reaching "Creating..."\n${output()}`);
        // Wait (bounded) until the provider doing the apply is waiting on the emulator's slow call.
        const deadline = Date.now() + 10_000;
        while ((await emulator.inspect.request<{ inFlight: number }>('GET', '/_emulator/stats')).inFlight < 1) {
          if (Date.now() > deadline) throw new Error(`the provider never reached the emulator\n${output()}`);
          await new Promise((resolve) => setTimeout(resolve, 25));
        }
        stray.push(...providerProcessesIn(tf.dir));
        expect(stray.length).toBeGreaterThan(0);

        const interrupted = Date.now();
        process.kill(-child.pid!, 'SIGINT');
        const code = await within(exited, EXIT_BOUND_MS, `terraform exiting after SIGINT\n${output()}`);
        const elapsed = Date.now() - interrupted;

        expect(code).not.toBe(0);
        expect(elapsed).toBeLessThan(EXIT_BOUND_MS);
        const all = flatten(stdout + '\n' + stderr);
        expect(all).toMatch(/Interrupt received/);
        expect(all).toMatch(/Cancelled: could not create exchangeonline_transport_config/);
        expect(all).toMatch(/cancelled because Terraform asked the provider to stop/);
        // No write reached the tenant.
        expect((await emulator.inspect.tenant()).revision).toBe(revision);
        // Every provider process of this workspace is gone: the ones seen during the apply, and any other.
        expect(stray.filter(isRunning)).toEqual([]);
        expect(providerProcessesIn(tf.dir)).toEqual([]);
      } finally {
        if (child.exitCode === null && child.signalCode === null) {
          process.kill(-child.pid!, 'SIGKILL');
          await exited;
        }
      }
    } finally {
      for (const pid of stray.filter(isRunning)) process.kill(pid, 'SIGKILL');
      tf.cleanup();
    }
  });
});
