/**
 * The GitOps pipeline on real remote state: Terraform's `pg` backend against a throwaway PostgreSQL cluster
 * (test/support/postgres.ts, one per file), the step scripts run as CI runs them, each job in its own fresh copy of
 * the repository, so nothing but the backend carries state from one job to the next. Plan, apply and the nightly
 * drift check; two applies on one tenant at once; a job killed with SIGKILL in the middle of an apply, and a runner
 * that vanished holding the lock, cleared by the step README "A stuck lock" documents. Last, a TenantFleet whose
 * backend is pg: each tenant stack applies into its own schema.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, connect, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App } from 'cdktf';
import { TenantFleet } from '../../constructs';
import { ROOT, cliConfigPath } from '../../scripts/package';
import { startTestEmulator, type TestEmulator } from '../support/emulator';
import { startTestPostgres, type TestPostgres } from '../support/postgres';
import { loopbackEnvironment, runProcess } from '../support/run-process';

const GITOPS = join(ROOT, 'examples', 'gitops');
const FLEET_FIXTURE = join(ROOT, 'examples', 'cdktf', 'msp-fleet', 'emulator-fixture.json');

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

interface Job {
  child: ChildProcess;
  /** Everything the job printed so far. */
  output(): string;
  done: Promise<Run>;
}

/** The state the pg backend holds for a tenant's workspace, parsed; undefined when there is none. */
interface StateFile {
  resources: Array<{ type: string; name: string }>;
}

describe('examples/gitops on the pg backend', () => {
  let postgres: TestPostgres;
  let emulator: TestEmulator;
  let work: string;
  let env: NodeJS.ProcessEnv;
  let runners = 0;

  /** A CI job: a fresh copy of the repository (no .terraform/, no local state), running one step script. */
  const job = (script: string, args: string[], extra: NodeJS.ProcessEnv = {}): Job => {
    const checkout = join(work, `runner-${++runners}`);
    cpSync(GITOPS, checkout, {
      recursive: true,
      filter: (source) => !/(\.terraform|terraform\.tfstate|exoform-out)/.test(source),
    });
    // detached: the job is its own process group, so a kill reaches bash, terraform and the provider together,
    // as a CI runner that kills a job does.
    const child = spawn('bash', [join(checkout, 'scripts', script), ...args], {
      cwd: checkout,
      env: { ...env, EXOFORM_OUT: join(checkout, 'out'), ...extra },
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    let stdout = '';
    let stderr = '';
    child.stdout!.on('data', (chunk) => (stdout += chunk));
    child.stderr!.on('data', (chunk) => (stderr += chunk));
    const done = new Promise<Run>((resolve, reject) => {
      child.on('error', reject);
      child.on('close', (code, signal) => resolve({ code: code ?? (signal ? 128 : -1), stdout, stderr }));
    });
    return { child, output: () => stdout + stderr, done };
  };
  const step = (script: string, ...args: string[]): Promise<Run> => job(script, args).done;

  const waitFor = async (what: string, check: () => boolean | Promise<boolean>, timeoutMs = 60_000): Promise<void> => {
    const deadline = Date.now() + timeoutMs;
    while (!(await check())) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  };

  const state = async (workspace: string): Promise<StateFile | undefined> => {
    const rows = await postgres.query<{ data: string }>(
      'SELECT data FROM terraform_remote_state.states WHERE name = $1',
      [workspace],
    );
    return rows.length && rows[0].data ? (JSON.parse(rows[0].data) as StateFile) : undefined;
  };
  const managed = async (workspace: string): Promise<string[]> =>
    ((await state(workspace))?.resources ?? [])
      .filter((r) => !('mode' in r) || (r as { mode?: string }).mode === 'managed')
      .map((r) => `${r.type}.${r.name}`)
      .sort();
  const advisoryLocks = async (): Promise<number> =>
    Number(
      (await postgres.query<{ n: string }>("SELECT count(*) AS n FROM pg_locks WHERE locktype = 'advisory'"))[0].n,
    );
  const setLatency = (callMs: number): Promise<unknown> =>
    emulator.inspect.request('PATCH', '/_emulator/latency', { callMs });

  beforeAll(async () => {
    [postgres, emulator] = await Promise.all([startTestPostgres(), startTestEmulator({ seed: FLEET_FIXTURE })]);
    work = mkdtempSync(join(tmpdir(), 'exoform-gitops-pg-'));
    const backendConfig = join(work, 'pg.tfbackend');
    writeFileSync(backendConfig, `conn_str = "${postgres.connectionString}"\n`);
    const { EXO_ORGANIZATION: _organization, ...provider } = emulator.providerEnv; // each stack's stack.env names its tenant
    env = {
      ...loopbackEnvironment(process.env),
      ...provider,
      CI: 'true',
      EXOFORM_HOME: ROOT,
      EXOFORM_TF_CLI_CONFIG: cliConfigPath(),
      EXOFORM_BACKEND: 'pg',
      EXOFORM_BACKEND_CONFIG: backendConfig,
      EXOFORM_LOCK_TIMEOUT: '60s',
      TF_PLUGIN_CACHE_DIR: '',
    };
    delete env.EXO_ORGANIZATION;
    delete env.GITHUB_STEP_SUMMARY;
    delete env.GITHUB_OUTPUT;
  });
  afterAll(async () => {
    await Promise.all([postgres?.stop(), emulator?.stop()]);
    if (work) rmSync(work, { recursive: true, force: true });
  });

  test('in CI a step without a backend fails and says how to configure one, before touching the tenant', async () => {
    const run = await job('plan.sh', ['stacks/contoso'], { EXOFORM_BACKEND: '' }).done;
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(
      /contoso: no remote state configured\. Set EXOFORM_BACKEND \(azurerm, s3, remote, pg\) and EXOFORM_BACKEND_CONFIG/,
    );
    const unknown = await job('plan.sh', ['stacks/contoso'], { EXOFORM_BACKEND: 'consul' }).done;
    expect(unknown.stderr).toMatch(/EXOFORM_BACKEND='consul' is not supported/);
    // A secret in the settings file would be recorded in every saved plan (an uploaded artifact): refused, unshown.
    const leaky = join(work, 'leaky.tfbackend');
    writeFileSync(leaky, `# state\nconn_str = "postgres://postgres:hunter2@127.0.0.1:${postgres.port}/postgres"\n`);
    const refused = await job('plan.sh', ['stacks/contoso'], { EXOFORM_BACKEND_CONFIG: leaky }).done;
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(
      /EXOFORM_BACKEND_CONFIG line 2 holds a secret, which Terraform would write into every saved plan/,
    );
    expect(refused.stdout + refused.stderr).not.toMatch(/hunter2/);
    writeFileSync(leaky, 'storage_account_name = "st"\n  access_key = "abc"\n');
    expect(
      (await job('plan.sh', ['stacks/contoso'], { EXOFORM_BACKEND: 'azurerm', EXOFORM_BACKEND_CONFIG: leaky }).done)
        .stderr,
    ).toMatch(/line 2 holds a secret/);
  });

  test("plan, apply and the nightly drift check, each in a fresh job, share the tenant's state through the backend", async () => {
    const planned = job('plan.sh', ['stacks/contoso']);
    const plan = await planned.done;
    expect(plan).toMatchObject({ code: 0 });
    expect(plan.stdout).toMatch(/Plan: 2 to add, 0 to change, 0 to destroy/);
    expect(await managed('exoform-contoso')).toEqual([]); // a plan writes no state

    const applied = await step('apply.sh', 'stacks/contoso');
    expect(applied.code).toBe(0);
    expect(applied.stdout).toMatch(/Apply complete! Resources: 2 added/);
    // The state is in PostgreSQL under the tenant's own workspace, and nowhere in the job's checkout.
    expect(await managed('exoform-contoso')).toEqual([
      'exchangeonline_mailbox_smtp_auth_list.allowed',
      'exchangeonline_transport_config.org',
    ]);
    expect(await managed('exoform-fabrikam')).toEqual([]);
    expect(existsSync(join(work, `runner-${runners}`, 'stacks', 'contoso', 'terraform.tfstate'))).toBe(false);

    // The nightly job runs in yet another checkout: with the state found, no drift (without it, 2 to add).
    const clean = await step('drift.sh', 'stacks/contoso');
    expect(clean.stdout).not.toMatch(/to add/);
    expect(clean.code).toBe(0);

    // Someone enables SMTP AUTH for Sean in the admin center: the nightly job finds it.
    await emulator.inspect.setRecipient(
      'sean@contoso.com',
      { SmtpClientAuthenticationDisabled: false },
      'contoso.onmicrosoft.com',
    );
    const drifted = await step('drift.sh', 'stacks/contoso');
    expect(drifted.code).toBe(2);
    expect(drifted.stdout).toMatch(/::warning::contoso has drifted/);
    expect(drifted.stdout).toMatch(/Plan: 0 to add, 1 to change, 0 to destroy/);
    expect(drifted.stdout).toMatch(/"sean@contoso.com"/);

    expect((await step('apply.sh', 'stacks/contoso')).code).toBe(0);
    expect((await step('drift.sh', 'stacks/contoso')).code).toBe(0);
    expect(await advisoryLocks()).toBe(0);
  });

  test('two applies on one tenant at once: one waits for the lock, one without patience fails saying so; nothing is lost', async () => {
    await setLatency(1500);
    try {
      const first = job('apply.sh', ['stacks/fabrikam']);
      await waitFor('the first apply to start writing', () => /Creating\.\.\./.test(first.output()));
      // The first apply holds the lock: each call to the tenant now takes 5 s, until both others have met the lock.
      await setLatency(5000);
      const patient = job('apply.sh', ['stacks/fabrikam']); // EXOFORM_LOCK_TIMEOUT=60s
      const impatient = job('apply.sh', ['stacks/fabrikam'], { EXOFORM_LOCK_TIMEOUT: '0s' });

      const failed = await impatient.done;
      await waitFor('the second apply to wait for the lock', () => /Acquiring state lock/.test(patient.output()));
      expect(first.child.exitCode).toBeNull(); // still applying, still holding the lock
      await setLatency(0);
      expect(failed.code).toBe(1);
      expect(failed.stderr).toMatch(
        /::error::fabrikam: the tenant's state is locked by another run \(lock ID [0-9a-f-]{36}\); waited 0s/,
      );
      expect(failed.stdout).toMatch(/Error acquiring the state lock/);
      expect(failed.stdout).not.toMatch(/Apply complete|Creating\.\.\./);

      const [one, two] = await Promise.all([first.done, patient.done]);
      expect(one.code).toBe(0);
      expect(one.stdout).toMatch(/Apply complete! Resources: 2 added/);
      expect(two.code).toBe(0);
      // The second apply waited, then planned against the state the first one saved: nothing left to do.
      expect(two.stdout).toMatch(/Acquiring state lock/);
      expect(two.stdout).toMatch(/No changes\.|Apply complete! Resources: 0 added, 0 changed, 0 destroyed/);
    } finally {
      await setLatency(0);
    }
    expect(await managed('exoform-fabrikam')).toEqual([
      'exchangeonline_mailbox_smtp_auth_list.allowed',
      'exchangeonline_transport_config.org',
    ]);
    expect(
      (await emulator.inspect.tenant('fabrikam.onmicrosoft.com')).transportConfig.SmtpClientAuthenticationDisabled,
    ).toBe(true);
    expect((await step('drift.sh', 'stacks/fabrikam')).code).toBe(0);
    expect(await advisoryLocks()).toBe(0);
  });

  test('a job killed with SIGKILL mid-apply: its database session ends with it, so the lock goes too; the next apply converges', async () => {
    await emulator.inspect.setRecipient(
      'sean@contoso.com',
      { SmtpClientAuthenticationDisabled: false },
      'contoso.onmicrosoft.com',
    );
    await setLatency(1500);
    try {
      const killed = job('apply.sh', ['stacks/contoso']);
      await waitFor('the apply to start writing', () => /Modifying\.\.\./.test(killed.output()));
      expect(await advisoryLocks()).toBeGreaterThan(0);
      process.kill(-killed.child.pid!, 'SIGKILL');
      expect((await killed.done).code).not.toBe(0);
      // PostgreSQL ends the session of a closed connection, and its advisory lock with it.
      await waitFor('the lock to be released', async () => (await advisoryLocks()) === 0, 10_000);
    } finally {
      await setLatency(0);
    }
    const next = await step('apply.sh', 'stacks/contoso');
    expect(next.code).toBe(0);
    expect(await emulator.inspect.overrides(['sean@contoso.com'], 'contoso.onmicrosoft.com')).toEqual({
      'sean@contoso.com': null,
    });
    expect((await step('drift.sh', 'stacks/contoso')).code).toBe(0);
  });

  test('a runner that vanished mid-apply leaves its lock; unlock.sh explains, the documented step clears it, the next apply converges', async () => {
    // A runner VM that disappears sends no FIN: its connection, and the session holding the lock, stay open on the
    // server. A proxy that keeps the server side open after the client side dies is that network path.
    const held: Socket[] = [];
    const proxy: Server = createServer((client) => {
      const upstream = connect(postgres.port, '127.0.0.1');
      held.push(upstream, client);
      client.on('error', () => undefined);
      upstream.on('error', () => undefined);
      client.pipe(upstream, { end: false });
      upstream.pipe(client);
    });
    await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
    const viaProxy = join(work, 'pg-via-proxy.tfbackend');
    const { port } = proxy.address() as { port: number };
    writeFileSync(viaProxy, `conn_str = "postgres://postgres@127.0.0.1:${port}/postgres?sslmode=disable"\n`);
    try {
      await emulator.inspect.setRecipient(
        'sean@contoso.com',
        { SmtpClientAuthenticationDisabled: false },
        'contoso.onmicrosoft.com',
      );
      await setLatency(1500);
      const vanished = job('apply.sh', ['stacks/contoso'], { EXOFORM_BACKEND_CONFIG: viaProxy });
      await waitFor('the apply to start writing', () => /Modifying\.\.\./.test(vanished.output()));
      process.kill(-vanished.child.pid!, 'SIGKILL');
      await vanished.done;
      await setLatency(0);
      expect(await advisoryLocks()).toBeGreaterThan(0);

      // The next run fails and names the lock and the way out.
      const blocked = await job('apply.sh', ['stacks/contoso'], { EXOFORM_LOCK_TIMEOUT: '2s' }).done;
      expect(blocked.code).toBe(1);
      const reported =
        /state is locked by another run \(lock ID ([0-9a-f-]{36})\); waited 2s\. If no run is in progress, the lock is stale: clear it with scripts\/unlock\.sh stacks\/contoso \1/.exec(
          blocked.stderr,
        );
      expect(reported).not.toBeNull();

      // unlock.sh refuses to pretend: terraform force-unlock cannot release a pg advisory lock of another session.
      const unlock = await step('unlock.sh', 'stacks/contoso', reported![1]);
      expect(unlock.code).toBe(1);
      expect(unlock.stderr).toMatch(
        /terraform force-unlock cannot release another run's lock\. .*README, "A stuck lock".*exoform-contoso/,
      );

      // The documented step for pg: end the session that holds the workspace's lock (README, "A stuck lock").
      const readme = readFileSync(join(GITOPS, 'README.md'), 'utf8');
      const sql = /## A stuck lock[\s\S]*?```sql\n([\s\S]*?)```/.exec(readme)?.[1];
      expect(sql).toMatch(/pg_terminate_backend[\s\S]*'exoform-contoso'/);
      const ended = await postgres.query<{ pg_terminate_backend: boolean }>(sql!);
      expect(ended.map((row) => row.pg_terminate_backend)).toContain(true);
      await waitFor('the lock to be released', async () => (await advisoryLocks()) === 0, 10_000);

      const next = await step('apply.sh', 'stacks/contoso');
      expect(next.code).toBe(0);
      expect(await emulator.inspect.overrides(['sean@contoso.com'], 'contoso.onmicrosoft.com')).toEqual({
        'sean@contoso.com': null,
      });
      expect((await step('drift.sh', 'stacks/contoso')).code).toBe(0);
    } finally {
      await setLatency(0);
      for (const socket of held) socket.destroy();
      await new Promise((resolve) => proxy.close(resolve));
    }
  });
  test('TenantFleet with backend pg: each tenant stack keeps its state in its own schema, and plans clean after apply', async () => {
    const outdir = join(work, 'cdktf.out');
    const app = new App({ outdir });
    const fleet = new TenantFleet(app, 'fleet', {
      backend: { type: 'pg' }, // the connection string comes from PG_CONN_STR, never from cdktf.out/
      defaults: { endpoint: emulator.url, credentials: { accessToken: { env: 'TF_VAR_exo_token' } } },
      tenants: [
        { tenant: 'northwind.onmicrosoft.com', allowList: ['labels@northwind.com'] },
        { tenant: 'fabrikam.onmicrosoft.com', allowList: ['printer@fabrikam.com'] },
      ],
    });
    app.synth();
    const terraform = (stack: string, ...args: string[]): Promise<Run> =>
      runProcess('terraform', [`-chdir=${join(outdir, 'stacks', stack)}`, ...args, '-input=false', '-no-color'], {
        env: {
          ...env,
          PG_CONN_STR: postgres.connectionString,
          TF_VAR_exo_token: emulator.token,
          TF_CLI_CONFIG_FILE: cliConfigPath(),
          EXO_ACCESS_TOKEN: '',
        },
        timeoutMs: 600_000, // longer than the test waits, so Jest's own timeout reports a slow run first
      });
    expect(readFileSync(join(outdir, 'stacks', 'fleet-w0-northwind', 'cdk.tf.json'), 'utf8')).not.toContain(
      String(postgres.port),
    );
    for (const stack of fleet.stacks.map((s) => s.node.id)) {
      const init = await terraform(stack, 'init');
      expect({ stack, code: init.code, stderr: init.stderr }).toMatchObject({ stack, code: 0 });
      const apply = await terraform(stack, 'apply', '-auto-approve');
      expect({ stack, code: apply.code, stderr: apply.stderr }).toMatchObject({ stack, code: 0 });
      const plan = await terraform(stack, 'plan', '-detailed-exitcode');
      expect({ stack, code: plan.code }).toEqual({ stack, code: 0 });
    }
    const schemas = await postgres.query<{ schema: string; name: string }>(
      "SELECT table_schema AS schema FROM information_schema.tables WHERE table_name = 'states' AND table_schema LIKE 'exoform\\_%' ORDER BY 1",
    );
    expect(schemas.map((row) => row.schema)).toEqual(['exoform_fabrikam', 'exoform_northwind']);
    for (const schema of ['exoform_fabrikam', 'exoform_northwind']) {
      const rows = await postgres.query<{ data: string }>(`SELECT data FROM ${schema}.states WHERE name = 'default'`);
      const resources = (JSON.parse(rows[0].data) as StateFile).resources.map((r) => r.type);
      expect(resources).toEqual(
        expect.arrayContaining(['exchangeonline_transport_config', 'exchangeonline_mailbox_smtp_auth_list']),
      );
    }
  });
});
