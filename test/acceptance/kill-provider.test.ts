/**
 * R2: kill -9 of the provider at 10 points during applies of a 200-mailbox list (while its $batch writes are under
 * way, after 1 to 185 of the 200), with the real terraform. After every kill the state never records a change the
 * emulator does not hold, and the apply that follows converges; the plan after it is empty.
 */
import { execFileSync } from 'node:child_process';
import { readlinkSync } from 'node:fs';
import { REQUIRED_PROVIDERS, TerraformWorkspace } from '../support/terraform';
import { startTestEmulator, DEMO_TENANT, type TestEmulator } from '../support/emulator';

const MAILBOXES = 200;
const ADDRESS = 'exchangeonline_mailbox_smtp_auth_list.devices';

/** PIDs of exoform provider processes whose working directory is `dir`: the ones this test's terraform started. */
function providerProcessesIn(dir: string): number[] {
  const pids: number[] = [];
  for (const line of execFileSync('ps', ['-eo', 'pid=,args='], { encoding: 'utf8' }).split('\n')) {
    const match = /^\s*(\d+)\s+(.*)$/.exec(line);
    if (!match || !match[2]!.includes('terraform-provider-exchangeonline')) continue;
    try {
      if (readlinkSync(`/proc/${match[1]}/cwd`) === dir) pids.push(Number(match[1]));
    } catch {
      // exited meanwhile
    }
  }
  return pids;
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

describe('kill -9 of the provider during apply (R2)', () => {
  let emulator: TestEmulator;
  beforeAll(async () => {
    emulator = await startTestEmulator({
      seed: { tenants: [{ domain: DEMO_TENANT, generatedMailboxes: MAILBOXES }] },
      latency: { callMs: 120 },
    });
  });
  afterAll(async () => {
    await emulator.stop();
  });

  test('10 kill points: state never ahead of the tenant, the rerun converges', async () => {
    const identities = Array.from(
      { length: MAILBOXES },
      (_, i) => `user${String(i + 1).padStart(5, '0')}@${DEMO_TENANT}`,
    );
    const config = (value: boolean): string => `${REQUIRED_PROVIDERS}
provider "exchangeonline" {}

resource "exchangeonline_mailbox_smtp_auth_list" "devices" {
  identities                          = { for mailbox in split("\\n", trimspace(file("\${path.module}/devices.txt"))) : mailbox => "" }
  smtp_client_authentication_disabled = ${value}
}
`;
    const tf = new TerraformWorkspace(
      { 'main.tf': config(false), 'devices.txt': identities.join('\n') + '\n' },
      emulator.providerEnv,
    );
    const tenantValues = async (): Promise<Map<string, boolean | null>> =>
      new Map(
        (await emulator.inspect.tenant()).recipients.map((r) => [
          r.UserPrincipalName,
          r.SmtpClientAuthenticationDisabled ?? null,
        ]),
      );
    const setCalls = async (): Promise<number> =>
      (await emulator.inspect.request<{ counts: Record<string, number> }>('GET', '/_emulator/calls?limit=1')).counts[
        'Set-CASMailbox'
      ] ?? 0;
    try {
      await tf.init();
      await tf.apply();
      await emulator.inspect.clearCalls();
      let value = false;
      // Kill points: Set-CASMailbox item calls seen in this run before the kill.
      const points = [1, 5, 25, 45, 65, 85, 105, 125, 145, 185];
      const started = Date.now();
      let killed = 0;
      const progress: string[] = [];
      for (const point of points) {
        value = !value;
        tf.write({ 'main.tf': config(value) });
        // Every member carries the other value, so each run has all 200 writes ahead of it (an earlier kill left some done).
        await Promise.all(
          identities.map((identity) =>
            emulator.inspect.setRecipient(identity, { SmtpClientAuthenticationDisabled: !value }),
          ),
        );
        const base = await setCalls();
        const run = tf.run(['apply', '-no-color', '-input=false', '-auto-approve']);
        let done = false;
        void run.then(() => (done = true));
        // Wait for the kill point: `point` writes of this run.
        for (;;) {
          if (done) break;
          if ((await setCalls()) - base >= point) break;
          await sleep(10);
        }
        const pids = providerProcessesIn(tf.dir);
        for (const pid of pids) process.kill(pid, 'SIGKILL');
        killed += pids.length;
        const result = await run;
        progress.push(`${point}:${pids.length}:${result.code}:${Date.now() - started}`);
        if (pids.length === 0)
          progress.push(`(run ${point} output: ${(result.stdout + result.stderr).replace(/\s+/g, ' ').slice(-300)})`);
        await emulator.inspect.clearCalls();
        // The invariant: a state that records the new value for the list is backed by the tenant for every member.
        const state = await tf.resourceValues(ADDRESS);
        if (result.code === 0 || state.smtp_client_authentication_disabled === value) {
          const tenant = await tenantValues();
          const outOfSync = state.out_of_sync as Record<string, string>;
          for (const identity of identities)
            if (!(identity in outOfSync))
              expect([identity, tenant.get(identity)]).toEqual([identity, state.smtp_client_authentication_disabled]);
        } else {
          expect(state.smtp_client_authentication_disabled).toBe(!value); // the prior, fully applied value
        }
      }
      console.log(`R2 progress (point:killed:exit:ms): ${progress.join(' ')}`);
      expect(killed).toBeGreaterThanOrEqual(9); // 120 ms per $batch keeps each run's 200 writes under way for seconds
      // The rerun converges and the next plan is empty.
      await tf.apply();
      const tenant = await tenantValues();
      expect(identities.filter((identity) => tenant.get(identity) !== value)).toEqual([]);
      await tf.noChanges();
      console.log(
        `R2: ${points.length} kill points, ${killed} provider processes killed with SIGKILL, converged after; ${Date.now() - started} ms`,
      );
    } finally {
      tf.cleanup();
    }
  }, 300_000);
});
