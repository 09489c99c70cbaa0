/**
 * Every CDKTF example under examples/cdktf runs as a pipeline runs it: the app is synthesized (`tsx main.ts`, which
 * is what `cdktf synth` runs), then each synthesized stack is deployed with terraform against the emulator (init
 * offline, apply), in the order of the stack dependencies; a second plan shows no changes; then everything is
 * destroyed in reverse order. Each scenario asserts what the example promises. The cdktf CLI itself is exercised by
 * test/acceptance/cdktf-fleet.test.ts.
 */
import { spawn } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TerraformWorkspace } from '../support/terraform';
import { startTestEmulator, type EmulatorInspector, type TestEmulator } from '../support/emulator';

const ROOT = join(__dirname, '..', '..');
const EXAMPLES = join(ROOT, 'examples', 'cdktf');
const TSX = join(ROOT, 'node_modules', '.bin', 'tsx');

type Outputs = Record<string, Record<string, unknown>>;

interface Scenario {
  /** Emulator seed: 'demo' or a fixture path. */
  seed?: string;
  /** Extra environment for synth and terraform (given the work directory and the emulator). */
  env?(work: string, emulator: TestEmulator): Record<string, string>;
  /** Copies made into the work directory before synth. */
  prepare?(work: string): void;
  synthesized?(manifest: Manifest): void;
  /** Changes made in the tenant before the deploy (the situation the example fixes). */
  before?(inspect: EmulatorInspector): Promise<void>;
  after(inspect: EmulatorInspector, outputs: Outputs): Promise<void>;
  destroyed?(inspect: EmulatorInspector): Promise<void>;
}

interface Manifest {
  stacks: Record<
    string,
    {
      dependencies: string[];
      annotations: Array<{ level: string; message: string; constructPath: string }>;
      synthesizedStackPath: string;
    }
  >;
}

const overrides = async (inspect: EmulatorInspector, tenant: string): Promise<Record<string, boolean>> => {
  const state = await inspect.tenant(tenant);
  return Object.fromEntries(
    state.recipients
      .filter((r) => r.SmtpClientAuthenticationDisabled !== null && r.SmtpClientAuthenticationDisabled !== undefined)
      .map((r) => [r.UserPrincipalName, r.SmtpClientAuthenticationDisabled]),
  ) as Record<string, boolean>;
};

const SCENARIOS: Record<string, Scenario> = {
  quickstart: {
    async after(inspect, outputs) {
      expect((await inspect.tenant()).transportConfig).toMatchObject({
        SmtpClientAuthenticationDisabled: true,
        AllowLegacyTLSClients: false,
      });
      expect(await overrides(inspect, 'contoso.onmicrosoft.com')).toEqual({ 'scanner@contoso.com': false });
      expect(outputs.quickstart.smtp_auth_disabled_org_wide).toBe(true);
      // The demo tenant never set legacy TLS: recorded as null ("not set").
      expect(outputs.quickstart.original_settings).toEqual({
        smtp_client_authentication_disabled: true,
        allow_legacy_tls_clients: null,
      });
    },
    async destroyed(inspect) {
      expect(await overrides(inspect, 'contoso.onmicrosoft.com')).toEqual({});
    },
  },
  'allow-list-file': {
    synthesized(manifest) {
      expect(manifest.stacks['allow-list-file'].annotations).toEqual([
        expect.objectContaining({
          level: '@cdktf/warn',
          constructPath: 'allow-list-file/baseline',
          message: expect.stringContaining('line 8 "Scanner@Contoso.com" repeats line 4'),
        }),
      ]);
    },
    async before(inspect) {
      await inspect.setRecipient('kakers@contoso.com', { SmtpClientAuthenticationDisabled: false }); // enabled by hand: exclusive resets it
    },
    async after(inspect, outputs) {
      expect(await overrides(inspect, 'contoso.onmicrosoft.com')).toEqual({
        'scanner@contoso.com': false,
        'sean@contoso.com': false,
      });
      expect(await inspect.authenticationPolicy('Allow Basic SMTP')).toMatchObject({
        AllowBasicAuthSmtp: true,
        AllowBasicAuthPop: false,
        AllowBasicAuthImap: false,
      });
      expect((await inspect.recipient('scanner@contoso.com')).AuthenticationPolicy).toBe('Allow Basic SMTP');
      expect((await inspect.recipient('sean@contoso.com')).AuthenticationPolicy).toBe('Allow Basic SMTP');
      expect((await inspect.recipient('chris@contoso.com')).AuthenticationPolicy).toBeNull();
      expect(outputs['allow-list-file'].allowed_mailboxes).toEqual(['scanner@contoso.com', 'sean@contoso.com']);
    },
    async destroyed(inspect) {
      expect(await overrides(inspect, 'contoso.onmicrosoft.com')).toEqual({});
      expect(await inspect.authenticationPolicy('Allow Basic SMTP')).toBeUndefined();
      expect((await inspect.recipient('scanner@contoso.com')).AuthenticationPolicy).toBeNull();
    },
  },
  'legacy-tls': {
    async after(inspect, outputs) {
      expect((await inspect.tenant()).transportConfig).toMatchObject({
        SmtpClientAuthenticationDisabled: true,
        AllowLegacyTLSClients: true,
      });
      expect(await overrides(inspect, 'contoso.onmicrosoft.com')).toEqual({ 'scanner@contoso.com': false });
      expect(outputs['legacy-tls'].legacy_endpoint).toMatchObject({ host: 'smtp-legacy.office365.com', port: 25 });
    },
    async destroyed(inspect) {
      // restoreOnDestroy: the tenant never had legacy TLS set, so it is "not set" again (which reads as "not allowed").
      expect((await inspect.tenant()).transportConfig.AllowLegacyTLSClients).toBeNull();
      expect(await overrides(inspect, 'contoso.onmicrosoft.com')).toEqual({});
    },
  },
  'msp-fleet': {
    seed: join(EXAMPLES, 'msp-fleet', 'emulator-fixture.json'),
    prepare(work) {
      cpSync(join(EXAMPLES, 'msp-fleet', 'fleet.yaml'), join(work, 'fleet.yaml'));
      cpSync(join(EXAMPLES, 'msp-fleet', 'allow'), join(work, 'allow'), { recursive: true });
    },
    env(work, emulator) {
      return {
        EXOFORM_FLEET_FILE: join(work, 'fleet.yaml'),
        TF_VAR_contoso_exo_token: emulator.token,
        TF_VAR_fabrikam_exo_token: emulator.token,
        TF_VAR_northwind_exo_token: emulator.token,
      };
    },
    synthesized(manifest) {
      expect(
        Object.fromEntries(Object.entries(manifest.stacks).map(([name, stack]) => [name, stack.dependencies])),
      ).toEqual({
        'fleet-w0-contoso': [],
        'fleet-w1-fabrikam': ['fleet-w0-contoso'],
        'fleet-w1-northwind': ['fleet-w0-contoso'],
      });
    },
    async after(inspect) {
      const tenants = ['contoso', 'fabrikam', 'northwind'].map((name) => `${name}.onmicrosoft.com`);
      const states = await Promise.all(tenants.map((tenant) => inspect.tenant(tenant)));
      expect(states.map((s) => s.transportConfig)).toEqual([
        expect.objectContaining({ SmtpClientAuthenticationDisabled: true, AllowLegacyTLSClients: false }),
        expect.objectContaining({ SmtpClientAuthenticationDisabled: true, AllowLegacyTLSClients: false }),
        expect.objectContaining({ SmtpClientAuthenticationDisabled: true, AllowLegacyTLSClients: true }),
      ]);
      expect(await overrides(inspect, tenants[0])).toEqual({ 'scanner@contoso.com': false });
      // dave@ and legacyapp@ were enabled by hand: exclusive returned them to the organization setting.
      expect(await overrides(inspect, tenants[1])).toEqual({
        'printer@fabrikam.com': false,
        'alerts@fabrikam.com': false,
      });
      expect(await overrides(inspect, tenants[2])).toEqual({ 'labels@northwind.com': false });
    },
    async destroyed(inspect) {
      for (const tenant of ['contoso', 'fabrikam', 'northwind'])
        expect(await overrides(inspect, `${tenant}.onmicrosoft.com`)).toEqual({});
    },
  },
};

function synthesize(
  example: string,
  work: string,
  env: Record<string, string>,
): Promise<{ code: number; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(TSX, [join(EXAMPLES, example, 'main.ts')], {
      cwd: work,
      env: { ...process.env, ...env, CDKTF_OUTDIR: join(work, 'cdktf.out') },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (chunk) => (output += chunk));
    child.stderr.on('data', (chunk) => (output += chunk));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? -1, output }));
  });
}

/** Stack names with every dependency before its dependants. */
function deploymentOrder(manifest: Manifest): string[] {
  const order: string[] = [];
  const pending = new Set(Object.keys(manifest.stacks));
  while (pending.size) {
    const ready = [...pending]
      .filter((name) => manifest.stacks[name].dependencies.every((d) => order.includes(d)))
      .sort();
    if (!ready.length) throw new Error(`dependency cycle among ${[...pending].join(', ')}`);
    for (const name of ready) {
      order.push(name);
      pending.delete(name);
    }
  }
  return order;
}

const directories = readdirSync(EXAMPLES, { withFileTypes: true })
  .filter((d) => d.isDirectory())
  .map((d) => d.name)
  .sort();

test('every CDKTF example has a scenario here, a main.ts and a cdktf.json, and every scenario an example', () => {
  expect(directories).toEqual(Object.keys(SCENARIOS).sort());
  for (const name of directories) {
    expect(existsSync(join(EXAMPLES, name, 'main.ts'))).toBe(true);
    expect(JSON.parse(readFileSync(join(EXAMPLES, name, 'cdktf.json'), 'utf8'))).toMatchObject({
      language: 'typescript',
      app: 'npx tsx main.ts',
    });
  }
});

describe.each(directories)('examples/cdktf/%s', (name) => {
  let emulator: TestEmulator;
  let work: string;
  beforeEach(async () => {
    const scenario = SCENARIOS[name];
    emulator = await startTestEmulator({ seed: scenario.seed });
    work = mkdtempSync(join(tmpdir(), 'exoform-cdktf-example-'));
  });
  afterEach(async () => {
    await emulator.stop();
    rmSync(work, { recursive: true, force: true });
  });

  test('synthesizes, deploys against the emulator, plans no changes afterwards, and destroys', async () => {
    const scenario = SCENARIOS[name];
    scenario.prepare?.(work);
    const env = { ...emulator.providerEnv, ...scenario.env?.(work, emulator) };
    const synth = await synthesize(name, work, env);
    if (synth.code !== 0) throw new Error(`synth of examples/cdktf/${name} failed (${synth.code}):\n${synth.output}`);
    const outdir = join(work, 'cdktf.out');
    const manifest = JSON.parse(readFileSync(join(outdir, 'manifest.json'), 'utf8')) as Manifest;
    scenario.synthesized?.(manifest);

    const order = deploymentOrder(manifest);
    const workspaces = new Map(
      order.map((stack) => [
        stack,
        new TerraformWorkspace(
          { 'cdk.tf.json': readFileSync(join(outdir, manifest.stacks[stack].synthesizedStackPath), 'utf8') },
          env,
        ),
      ]),
    );
    try {
      await scenario.before?.(emulator.inspect);
      const outputs: Outputs = {};
      for (const stack of order) {
        const tf = workspaces.get(stack)!;
        await tf.init();
        await tf.apply();
        outputs[stack] = await tf.outputs();
      }
      await scenario.after(emulator.inspect, outputs);
      for (const stack of order) await workspaces.get(stack)!.noChanges();
      for (const stack of [...order].reverse()) await workspaces.get(stack)!.destroy();
      await scenario.destroyed?.(emulator.inspect);
    } finally {
      for (const tf of workspaces.values()) tf.cleanup();
    }
  });
});
