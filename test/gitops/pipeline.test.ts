/**
 * The GitOps pipeline's shell steps (examples/gitops/scripts), run as the CI runner runs them — bash, the real
 * terraform, the packaged provider — against the emulator's three-tenant fleet: stacks as a matrix, plan on a pull
 * request with the plan kept, apply on merge, the nightly drift check (exit 0, then exit 2 after a change made
 * through the emulator's inspection API), the readiness report step; a fleet past the 256 jobs of a matrix cut into
 * shards, and a shard whose failing tenant fails only its own result. The workflow files are checked to call only
 * these scripts. State is local here (EXOFORM_BACKEND=local); remote-state.test.ts runs the same steps on the pg
 * backend.
 */
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { ROOT, cliConfigPath } from '../../scripts/package';
import { parseAllowList } from '../../src/exchange/allow-list';
import { startTestEmulator, type TestEmulator } from '../support/emulator';
import { loopbackEnvironment, runProcess } from '../support/run-process';

const GITOPS = join(ROOT, 'examples', 'gitops');
const FLEET_FIXTURE = join(ROOT, 'examples', 'cdktf', 'msp-fleet', 'emulator-fixture.json');
/** Longer than any test here waits, so Jest's own timeout reports a slow step first. */
const STEP_TIMEOUT_MS = 600_000;

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
  const stepWith = (extra: NodeJS.ProcessEnv, script: string, ...args: string[]): Promise<Run> =>
    runProcess('bash', [join(work, 'scripts', script), ...args], {
      cwd: work,
      env: { ...env, ...extra },
      timeoutMs: STEP_TIMEOUT_MS,
    });
  const step = (script: string, ...args: string[]): Promise<Run> => stepWith({}, script, ...args);
  const out = (stack: string, file: string): string => readFileSync(join(work, 'out', stack, file), 'utf8');

  beforeAll(async () => {
    emulator = await startTestEmulator({ seed: FLEET_FIXTURE });
    work = mkdtempSync(join(tmpdir(), 'exoform-gitops-'));
    cpSync(GITOPS, work, {
      recursive: true,
      filter: (source) => !/(\.terraform|terraform\.tfstate|exoform-out)/.test(source),
    });
    const { EXO_ORGANIZATION: _organization, ...provider } = emulator.providerEnv; // the stack's stack.env names the tenant
    env = {
      ...loopbackEnvironment(process.env),
      ...provider,
      EXOFORM_HOME: ROOT,
      EXOFORM_TF_CLI_CONFIG: cliConfigPath(),
      EXOFORM_OUT: join(work, 'out'),
      EXOFORM_BACKEND: 'local', // said explicitly: CI (which runs this suite with CI=true) requires a backend
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
    expect(readFileSync(join(work, 'github-output'), 'utf8')).toBe(
      'stacks=["contoso","fabrikam"]\nshards=[{"shard":1,"stacks":["contoso"]},{"shard":2,"stacks":["fabrikam"]}]\n',
    );

    // Pull request: fabrikam still has SMTP AUTH on for the organization and Dave enabled by hand.
    const planned = await step('plan.sh', 'stacks/fabrikam');
    expect(planned).toMatchObject({ code: 0 });
    expect(out('fabrikam', 'exitcode').trim()).toBe('2');
    expect(out('fabrikam', 'plan.txt')).toMatch(/Plan: 2 to add, 0 to change, 0 to destroy/);
    const plan = JSON.parse(out('fabrikam', 'plan.json'));
    const list = plan.resource_changes.find(
      (c: { address: string }) => c.address === 'exchangeonline_mailbox_smtp_auth_list.allowed',
    );
    expect(list.change.after.identities).toEqual({ 'printer@fabrikam.com': 'reception printer' });
    expect(existsSync(join(work, 'out', 'fabrikam', 'tfplan'))).toBe(true);
    expect(
      (await emulator.inspect.tenant('fabrikam.onmicrosoft.com')).transportConfig.SmtpClientAuthenticationDisabled,
    ).toBe(false); // a plan changes nothing

    // Merge: apply the contoso stack; the tenant now matches the repository.
    const applied = await step('apply.sh', 'stacks/contoso');
    expect(applied.code).toBe(0);
    expect(applied.stdout).toMatch(/Apply complete! Resources: 2 added/);
    const contoso = await emulator.inspect.tenant('contoso.onmicrosoft.com');
    expect(contoso.transportConfig).toMatchObject({
      SmtpClientAuthenticationDisabled: true,
      AllowLegacyTLSClients: false,
    });
    expect(
      await emulator.inspect.overrides(['scanner@contoso.com', 'sean@contoso.com'], 'contoso.onmicrosoft.com'),
    ).toEqual({ 'scanner@contoso.com': false, 'sean@contoso.com': null });

    // Nightly, nothing changed: exit 0.
    const clean = await step('drift.sh', 'stacks/contoso');
    expect(clean.code).toBe(0);
    expect(out('contoso', 'drift-exitcode').trim()).toBe('0');

    // Someone enables SMTP AUTH for Sean in the admin center: the nightly job exits 2 and names him.
    await emulator.inspect.setRecipient(
      'sean@contoso.com',
      { SmtpClientAuthenticationDisabled: false },
      'contoso.onmicrosoft.com',
    );
    const drifted = await step('drift.sh', 'stacks/contoso');
    expect(drifted.code).toBe(2);
    expect(drifted.stdout).toMatch(/::warning::contoso has drifted/);
    expect(out('contoso', 'drift.txt')).toMatch(/"sean@contoso.com" = "enabled"/);
    expect(readFileSync(join(work, 'summary.md'), 'utf8')).toMatch(
      /### exoform drift: contoso\n\n```[\s\S]*sean@contoso.com/,
    );

    // Merge again (the fix): the drift is gone.
    expect((await step('apply.sh', 'stacks/contoso')).code).toBe(0);
    expect((await step('drift.sh', 'stacks/contoso')).code).toBe(0);
  });

  test("the readiness report step calls `exoform report` from the checkout for the stack's tenant and writes every output", async () => {
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
    writeFileSync(
      join(work, 'leaky', 'contoso', 'stack.env'),
      'EXO_ORGANIZATION=contoso.onmicrosoft.com\nEXO_CLIENT_SECRET=hunter2\n',
    );
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
      // A step runs directly (report-compare.sh <stack>) or for a shard of tenants (shard.sh report-compare stacks <names>).
      const stepOf = (name: string): Array<{ run: string; if?: string }> =>
        runs.filter((s) => s.run.includes(`/${name}.sh`) || s.run.includes(`/shard.sh ${name} `));
      expect(stepOf('report-compare').length).toBe(1); // the nightly report, compared with the last night's
      // Published even when drift fails the job.
      expect(stepOf('report-compare').every((s) => /always\(\)/.test(s.if ?? ''))).toBe(true);
      expect(stepOf('drift').length).toBe(1);
      expect(stepOf('plan').length).toBe(1);
      expect(stepOf('apply').length).toBe(1);
      expect(text).toMatch(/actions\/upload-artifact@v4/);
      // Every job has a backend: the variables the scripts require in CI.
      expect(workflow.env).toMatchObject({ EXOFORM_BACKEND: '${{ vars.EXOFORM_BACKEND }}' });
      expect(workflow.env.EXOFORM_BACKEND_CONFIG).toMatch(/\$\{\{ vars\.EXOFORM_BACKEND_CONFIG \}\}$/);
    }
  });

  test("each backend gets the tenant's own key, and s3 its lock file unless DynamoDB is named (backends not reachable here)", () => {
    const keyFor = (backend: string, settings: string): string => {
      const file = join(work, `${backend}.tfbackend`);
      writeFileSync(file, settings);
      const result = spawnSync(
        'bash',
        ['-c', `source "${join(work, 'scripts', 'common.sh')}"; BACKEND=${backend}; STACK_NAME=contoso; backend_key`],
        {
          env: { ...env, EXOFORM_BACKEND_CONFIG: file },
          encoding: 'utf8',
        },
      );
      expect(result.status).toBe(0);
      return result.stdout;
    };
    expect(keyFor('azurerm', 'storage_account_name = "st"\n')).toBe('key = "exoform/contoso.tfstate"\n');
    expect(keyFor('s3', 'bucket = "b"\n')).toBe('key = "exoform/contoso.tfstate"\nuse_lockfile = true\n');
    expect(keyFor('s3', 'bucket = "b"\ndynamodb_table = "locks"\n')).toBe('key = "exoform/contoso.tfstate"\n');
    expect(keyFor('remote', 'organization = "msp"\n')).toBe('workspaces {\n  name = "exoform-contoso"\n}\n');
    expect(keyFor('pg', 'conn_str = "postgres://db/state"\n')).toBe(''); // pg: the workspace exoform-contoso instead
  });

  test('a fleet of 300 tenants: at most 256 matrix jobs, every tenant in exactly one, as the workflow expands them', async () => {
    const fleet = parse(readFileSync(join(GITOPS, 'github-actions', 'exoform-fleet.yml'), 'utf8'));
    // The workflow's matrix input is the `shards` output of stacks.sh, and each job passes its shard to shard.sh.
    expect(fleet.jobs.stacks.steps.find((s: { id?: string }) => s.id === 'list').run).toBe('$SCRIPTS/stacks.sh stacks');
    expect(fleet.jobs.stacks.outputs.shards).toBe('${{ steps.list.outputs.shards }}');
    const shardJob = fleet.jobs.shard;
    expect(shardJob.strategy.matrix).toEqual({ shard: '${{ fromJSON(needs.stacks.outputs.shards) }}' });
    expect(shardJob.strategy['fail-fast']).toBe(false);
    expect(shardJob.env.SHARD_STACKS).toBe("${{ join(matrix.shard.stacks, ' ') }}");
    const shardRuns = shardJob.steps
      .filter((s: { run?: string }) => s.run?.includes('shard.sh'))
      .map((s: { run: string }) => s.run);
    expect(
      shardRuns.every((run: string) =>
        /^\$SCRIPTS\/shard\.sh (plan|apply|drift|report-compare) stacks \$SHARD_STACKS$/.test(run),
      ),
    ).toBe(true);
    expect(shardJob.steps.find((s: { uses?: string }) => s.uses?.startsWith('actions/upload-artifact')).with.name).toBe(
      'exoform-shard-${{ matrix.shard.shard }}',
    );

    const listing = (
      count: number,
      maxJobs?: string,
    ): { stacks: string[]; shards: Array<{ shard: number; stacks: string[] }> } => {
      const root = mkdtempSync(join(tmpdir(), 'exoform-fleet-'));
      try {
        for (let i = 1; i <= count; i++) {
          mkdirSync(join(root, 'stacks', `tenant-${String(i).padStart(4, '0')}`), { recursive: true });
          writeFileSync(join(root, 'stacks', `tenant-${String(i).padStart(4, '0')}`, 'main.tf'), '');
        }
        const output = join(root, 'github-output');
        const result = spawnSync('bash', [join(GITOPS, 'scripts', 'stacks.sh'), join(root, 'stacks')], {
          env: { ...env, GITHUB_OUTPUT: output, ...(maxJobs ? { EXOFORM_MAX_JOBS: maxJobs } : {}) },
          encoding: 'utf8',
        });
        expect(result.status).toBe(0);
        const lines = Object.fromEntries(
          readFileSync(output, 'utf8')
            .trim()
            .split('\n')
            .map((line) => line.split(/=(.*)/s).slice(0, 2)),
        );
        return { stacks: JSON.parse(lines.stacks), shards: JSON.parse(lines.shards) };
      } finally {
        rmSync(root, { recursive: true, force: true });
      }
    };
    for (const [count, jobs, perJob] of [
      [300, 150, 2],
      [256, 256, 1],
      [257, 129, 2],
      [1000, 250, 4],
    ] as const) {
      const { stacks, shards } = listing(count);
      expect({ count, jobs: shards.length }).toEqual({ count, jobs });
      expect(shards.length).toBeLessThanOrEqual(256);
      expect(Math.max(...shards.map((s) => s.stacks.length))).toBe(perJob);
      // Every tenant in exactly one job, in order; the matrix entries are distinct.
      expect(shards.flatMap((s) => s.stacks)).toEqual(stacks);
      expect(stacks).toHaveLength(count);
      expect(new Set(shards.map((s) => s.shard)).size).toBe(shards.length);
      // What each job's SHARD_STACKS becomes (join(matrix.shard.stacks, ' ')): names only, nothing to split on.
      expect(shards.every((s) => s.stacks.join(' ').split(' ').length === s.stacks.length)).toBe(true);
    }
    expect(listing(300, '20').shards).toHaveLength(20); // a plan with fewer concurrent jobs: 15 tenants each
  });

  test('a shard runs each tenant on its own: one failing tenant fails only its own result, the others plan and keep their outputs', async () => {
    // "broken" is contoso with a line in its allow list that is not a mailbox: its plan fails.
    cpSync(join(work, 'stacks', 'contoso'), join(work, 'stacks', 'broken'), { recursive: true });
    writeFileSync(join(work, 'stacks', 'broken', 'allow-smtp-auth.txt'), 'Scanner <scanner@contoso.com>\n');
    const outDir = join(work, 'shard-out');
    try {
      const shard = await stepWith(
        { EXOFORM_OUT: outDir },
        'shard.sh',
        'plan',
        'stacks',
        'broken',
        'contoso',
        'fabrikam',
      );
      expect(shard.code).toBe(1);
      expect(shard.stdout).toMatch(/::error::plan failed for broken \(exit 1\); the shard's other tenants go on/);
      expect(shard.stdout).toMatch(/plan: 3 tenants, not 0: broken/);
      const status = (stack: string): string => readFileSync(join(outDir, stack, 'plan.status'), 'utf8').trim();
      expect([status('broken'), status('contoso'), status('fabrikam')]).toEqual(['1', '0', '0']);
      expect(readFileSync(join(outDir, 'shard-plan.tsv'), 'utf8')).toBe('broken\t1\ncontoso\t0\nfabrikam\t0\n');
      // The others' plans are there, each in its own directory, for its own tenant.
      expect(readFileSync(join(outDir, 'fabrikam', 'plan.txt'), 'utf8')).toMatch(/printer@fabrikam\.com/);
      expect(existsSync(join(outDir, 'contoso', 'tfplan'))).toBe(true);
      expect(existsSync(join(outDir, 'broken', 'tfplan'))).toBe(false);
      expect(readFileSync(join(outDir, 'broken', 'plan.log'), 'utf8')).toMatch(/allow-smtp-auth\.txt|mailbox/);

      // Bad input to the shard runner itself.
      const unknown = await step('shard.sh', 'destroy', 'stacks', 'contoso');
      expect(unknown.code).toBe(1);
      expect(unknown.stderr).toMatch(/unknown step 'destroy': use plan, apply, drift, report or report-compare/);
    } finally {
      rmSync(join(work, 'stacks', 'broken'), { recursive: true, force: true });
    }
  });

  test('nightly drift names a listed mailbox deleted outside Terraform, as drift (exit 2), not as a failed plan', async () => {
    // After the first test applied contoso: the scanner's mailbox is deleted in the admin center.
    await emulator.inspect.request(
      'DELETE',
      '/_emulator/tenants/contoso.onmicrosoft.com/recipients/scanner%40contoso.com',
    );
    const drifted = await step('drift.sh', 'stacks/contoso');
    expect(drifted.code).toBe(2);
    const named = 'Mailbox "scanner@contoso.com" was deleted outside Terraform';
    expect(drifted.stdout).toContain(`::warning::contoso: ${named}; remove it from the stack`);
    expect(drifted.stderr).not.toMatch(/::error::/);
    expect(out('contoso', 'deleted.txt')).toBe(`${named}\n`);
    expect(readFileSync(join(work, 'summary.md'), 'utf8')).toContain(
      `### exoform drift: contoso\n\n- ${named}\n\`\`\``,
    );
  });
});
