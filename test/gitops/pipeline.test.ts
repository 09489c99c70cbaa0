/**
 * The GitOps pipeline's shell steps (examples/gitops/scripts), run as the CI runner runs them — bash, the real
 * terraform, the packaged provider — against the emulator's three-tenant fleet: stacks as a matrix, plan on a pull
 * request with the plan kept, apply on merge, the nightly drift check (exit 0, then exit 2 after a change made
 * through the emulator's inspection API), the readiness report step. The workflow files are checked to call only
 * these scripts.
 */
import { spawn } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { ROOT, cliConfigPath } from '../../scripts/package';
import { parseAllowList } from '../../src/exchange/allow-list';
import { startTestEmulator, type TestEmulator } from '../support/emulator';

const GITOPS = join(ROOT, 'examples', 'gitops');
const FLEET_FIXTURE = join(ROOT, 'examples', 'cdktf', 'msp-fleet', 'emulator-fixture.json');

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

describe('examples/gitops', () => {
  let emulator: TestEmulator;
  let work: string;
  let env: NodeJS.ProcessEnv;

  /** Runs a step script from the copied example directory, as a workflow `run:` line does. */
  const step = (script: string, ...args: string[]): Promise<Run> =>
    new Promise((resolve, reject) => {
      const child = spawn('bash', [join(work, 'scripts', script), ...args], { cwd: work, env, stdio: ['ignore', 'pipe', 'pipe'] });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (chunk) => (stdout += chunk));
      child.stderr.on('data', (chunk) => (stderr += chunk));
      child.on('error', reject);
      child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
    });
  const out = (stack: string, file: string): string => readFileSync(join(work, 'out', stack, file), 'utf8');

  beforeAll(async () => {
    emulator = await startTestEmulator({ seed: FLEET_FIXTURE });
    work = mkdtempSync(join(tmpdir(), 'exoform-gitops-'));
    cpSync(GITOPS, work, { recursive: true, filter: (source) => !/(\.terraform|terraform\.tfstate|exoform-out)/.test(source) });
    const { EXO_ORGANIZATION: _organization, ...provider } = emulator.providerEnv; // the stack's stack.env names the tenant
    env = {
      ...process.env,
      ...provider,
      EXOFORM_HOME: ROOT,
      EXOFORM_TF_CLI_CONFIG: cliConfigPath(),
      EXOFORM_OUT: join(work, 'out'),
      TF_CLI_CONFIG_FILE: '/nonexistent/preset-by-the-runner.rc', // the scripts set their own
      TF_PLUGIN_CACHE_DIR: '',
      GITHUB_STEP_SUMMARY: join(work, 'summary.md'),
      GITHUB_OUTPUT: join(work, 'github-output'),
    };
    delete env.EXO_ORGANIZATION;
  });
  afterAll(async () => {
    await emulator?.stop();
    if (work) rmSync(work, { recursive: true, force: true });
  });

  test('fleet matrix; plan on pull request; apply on merge; nightly drift exits 0, then 2 after a change in the tenant', async () => {
    // The matrix: one job per stack.
    const stacks = await step('stacks.sh', 'stacks');
    expect(stacks.code).toBe(0);
    expect(JSON.parse(stacks.stdout)).toEqual(['contoso', 'fabrikam']);
    expect(readFileSync(join(work, 'github-output'), 'utf8')).toBe('stacks=["contoso","fabrikam"]\n');

    // Pull request: fabrikam still has SMTP AUTH on for the organization and Dave enabled by hand.
    const planned = await step('plan.sh', 'stacks/fabrikam');
    expect(planned).toMatchObject({ code: 0 });
    expect(out('fabrikam', 'exitcode').trim()).toBe('2');
    expect(out('fabrikam', 'plan.txt')).toMatch(/Plan: 2 to add, 0 to change, 0 to destroy/);
    const plan = JSON.parse(out('fabrikam', 'plan.json'));
    const list = plan.resource_changes.find((c: { address: string }) => c.address === 'exchangeonline_mailbox_smtp_auth_list.allowed');
    expect(list.change.after.identities).toEqual({ 'printer@fabrikam.com': 'reception printer' });
    expect(existsSync(join(work, 'out', 'fabrikam', 'tfplan'))).toBe(true);
    expect((await emulator.inspect.tenant('fabrikam.onmicrosoft.com')).transportConfig.SmtpClientAuthenticationDisabled).toBe(false); // a plan changes nothing

    // Merge: apply the contoso stack; the tenant now matches the repository.
    const applied = await step('apply.sh', 'stacks/contoso');
    expect(applied.code).toBe(0);
    expect(applied.stdout).toMatch(/Apply complete! Resources: 2 added/);
    const contoso = await emulator.inspect.tenant('contoso.onmicrosoft.com');
    expect(contoso.transportConfig).toMatchObject({ SmtpClientAuthenticationDisabled: true, AllowLegacyTLSClients: false });
    expect(await emulator.inspect.overrides(['scanner@contoso.com', 'sean@contoso.com'], 'contoso.onmicrosoft.com')).toEqual({ 'scanner@contoso.com': false, 'sean@contoso.com': null });

    // Nightly, nothing changed: exit 0.
    const clean = await step('drift.sh', 'stacks/contoso');
    expect(clean.code).toBe(0);
    expect(out('contoso', 'drift-exitcode').trim()).toBe('0');

    // Someone enables SMTP AUTH for Sean in the admin center: the nightly job exits 2 and names him.
    await emulator.inspect.setRecipient('sean@contoso.com', { SmtpClientAuthenticationDisabled: false }, 'contoso.onmicrosoft.com');
    const drifted = await step('drift.sh', 'stacks/contoso');
    expect(drifted.code).toBe(2);
    expect(drifted.stdout).toMatch(/::warning::contoso has drifted/);
    expect(out('contoso', 'drift.txt')).toMatch(/"sean@contoso.com" = "enabled"/);
    expect(readFileSync(join(work, 'summary.md'), 'utf8')).toMatch(/### exoform drift: contoso\n\n```[\s\S]*sean@contoso.com/);

    // Merge again (the fix): the drift is gone.
    expect((await step('apply.sh', 'stacks/contoso')).code).toBe(0);
    expect((await step('drift.sh', 'stacks/contoso')).code).toBe(0);
  });

  test('the readiness report step calls `exoform report` from the checkout for the stack\'s tenant and writes every output', async () => {
    const report = await step('report.sh', 'stacks/contoso');
    // Every output is written for the stack's tenant, and the suggested allow list is in the format the stack's
    // mailbox_list reads.
    expect(report.code).toBe(0);
    const json = JSON.parse(out('contoso', 'readiness.json'));
    expect(json.tenants).toHaveLength(1);
    expect([json.tenants[0].tenant, json.tenants[0].name]).toContain('contoso.onmicrosoft.com');
    expect(out('contoso', 'readiness.html')).toMatch(/<html/i);
    expect(out('contoso', 'readiness.csv').length).toBeGreaterThan(0);
    expect(parseAllowList(out('contoso', 'suggested-allow-list.txt')).problems).toEqual([]);
  });

  test('bad input: a missing stack, a secret in stack.env, no stacks', async () => {
    const missing = await step('plan.sh', 'stacks/nowhere');
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/stack directory 'stacks\/nowhere' does not exist/);

    cpSync(join(work, 'stacks', 'contoso'), join(work, 'leaky', 'contoso'), { recursive: true });
    const { writeFileSync } = await import('node:fs');
    writeFileSync(join(work, 'leaky', 'contoso', 'stack.env'), 'EXO_ORGANIZATION=contoso.onmicrosoft.com\nEXO_CLIENT_SECRET=hunter2\n');
    const leaky = await step('plan.sh', 'leaky/contoso');
    expect(leaky.code).toBe(1);
    expect(leaky.stderr).toMatch(/stack.env line 2: EXO_CLIENT_SECRET is a secret/);
    expect(leaky.stderr + leaky.stdout).not.toMatch(/hunter2/);

    const none = await step('stacks.sh', 'scripts');
    expect(none.code).toBe(1);
    expect(none.stderr).toMatch(/no stacks/);
  });

  test('the workflows run only these scripts: plan on pull request with the plan uploaded, apply on push, drift and report nightly, a matrix per stack', () => {
    const scripts = new Set(readdirSync(join(GITOPS, 'scripts')));
    for (const file of ['exoform.yml', 'exoform-fleet.yml']) {
      const text = readFileSync(join(GITOPS, 'github-actions', file), 'utf8');
      expect(text).not.toMatch(/npx\s+exoform/);
      const workflow = parse(text);
      expect(Object.keys(workflow.on).sort()).toEqual(['pull_request', 'push', 'schedule', 'workflow_dispatch']);
      const runs: Array<{ run: string; if?: string }> = [];
      for (const job of Object.values<any>(workflow.jobs)) for (const s of job.steps) if (s.run) runs.push(s);
      for (const { run } of runs) {
        const called = /\$SCRIPTS\/([\w.-]+)/.exec(run);
        expect({ run, script: called && scripts.has(called[1]) }).toEqual({ run, script: true });
      }
      const scriptOf = (name: string): Array<{ run: string; if?: string }> => runs.filter((s) => s.run.includes(`/${name}`));
      expect(scriptOf('report-compare.sh').length).toBe(1); // the nightly report, compared with the last night's
      // Published even when drift fails the job.
      expect(scriptOf('report-compare.sh').every((s) => /always\(\)/.test(s.if ?? ''))).toBe(true);
      expect(scriptOf('drift.sh').length).toBe(1);
      expect(text).toMatch(/actions\/upload-artifact@v4/);
    }
    const fleet = parse(readFileSync(join(GITOPS, 'github-actions', 'exoform-fleet.yml'), 'utf8'));
    expect(fleet.jobs.tenant.strategy.matrix.stack).toBe('${{ fromJSON(needs.stacks.outputs.stacks) }}');
    expect(fleet.jobs.tenant.strategy['fail-fast']).toBe(false);
  });

  test('nightly drift names a listed mailbox deleted outside Terraform, as drift (exit 2), not as a failed plan', async () => {
    // After the first test applied contoso: the scanner's mailbox is deleted in the admin center.
    await emulator.inspect.request('DELETE', '/_emulator/tenants/contoso.onmicrosoft.com/recipients/scanner%40contoso.com');
    const drifted = await step('drift.sh', 'stacks/contoso');
    expect(drifted.code).toBe(2);
    const named = 'Mailbox "scanner@contoso.com" was deleted outside Terraform';
    expect(drifted.stdout).toContain(`::warning::contoso: ${named}; remove it from the stack`);
    expect(drifted.stderr).not.toMatch(/::error::/);
    expect(out('contoso', 'deleted.txt')).toBe(`${named}\n`);
    expect(readFileSync(join(work, 'summary.md'), 'utf8')).toContain(`### exoform drift: contoso\n\n- ${named}\n\`\`\``);
  });
});
