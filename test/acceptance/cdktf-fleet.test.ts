/**
 * The MSP fleet example through the real cdktf CLI (cdktf-cli 0.21, offline, provider from dist/mirror) against an
 * emulator hosting its three tenants: `cdktf deploy 'fleet-*'` applies wave 0 before wave 1; after one tenant's
 * allow-list file changes, a second deploy changes that tenant and nothing else; a listed mailbox deleted outside
 * Terraform shows in `cdktf diff`, and `cdktf destroy` still succeeds.
 */
import { spawn } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cliConfigPath } from '../../scripts/package';
import { startTestEmulator, type TestEmulator } from '../support/emulator';
import { loopbackEnvironment } from '../support/run-process';

const ROOT = join(__dirname, '..', '..');
const EXAMPLE = join(ROOT, 'examples', 'cdktf', 'msp-fleet');
const TENANTS = ['contoso.onmicrosoft.com', 'fabrikam.onmicrosoft.com', 'northwind.onmicrosoft.com'];

interface Call {
  seq: number;
  tenant: string;
  cmdlet: string;
}

function allFiles(directory: string): string[] {
  return readdirSync(directory).flatMap((name) => {
    const path = join(directory, name);
    return statSync(path).isDirectory() ? (name === '.terraform' ? [] : allFiles(path)) : [path];
  });
}

describe('CDKTF fleet with the cdktf CLI', () => {
  let emulator: TestEmulator;
  let work: string;

  beforeEach(async () => {
    emulator = await startTestEmulator({ seed: join(EXAMPLE, 'emulator-fixture.json') });
    work = mkdtempSync(join(tmpdir(), 'exoform-cdktf-fleet-'));
    cpSync(join(EXAMPLE, 'fleet.yaml'), join(work, 'fleet.yaml'));
    cpSync(join(EXAMPLE, 'allow'), join(work, 'allow'), { recursive: true });
    writeFileSync(
      join(work, 'cdktf.json'),
      JSON.stringify({
        language: 'typescript',
        app: `${join(ROOT, 'node_modules', '.bin', 'tsx')} ${join(EXAMPLE, 'main.ts')}`,
        projectId: 'exoform-acceptance',
        sendCrashReports: 'false',
      }),
    );
  });
  afterEach(async () => {
    await emulator.stop();
    rmSync(work, { recursive: true, force: true });
  });

  function cdktf(args: string[]): Promise<string> {
    return new Promise((resolve, reject) => {
      const child = spawn(join(ROOT, 'node_modules', '.bin', 'cdktf'), args, {
        cwd: work,
        env: {
          ...loopbackEnvironment(process.env),
          // Only the endpoint comes from the environment: tenant and token come from each stack's provider block.
          EXO_ENDPOINT: emulator.url,
          EXO_ORGANIZATION: '',
          EXO_ACCESS_TOKEN: '',
          TF_VAR_contoso_exo_token: emulator.token,
          TF_VAR_fabrikam_exo_token: emulator.token,
          TF_VAR_northwind_exo_token: emulator.token,
          EXOFORM_FLEET_FILE: join(work, 'fleet.yaml'),
          TF_CLI_CONFIG_FILE: cliConfigPath(),
          TF_IN_AUTOMATION: '1',
          CHECKPOINT_DISABLE: '1',
          CI: '1',
          CDKTF_DISABLE_PLUGIN_CACHE_ENV: 'true',
          TF_PLUGIN_CACHE_DIR: '',
          FORCE_COLOR: '0',
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let output = '';
      child.stdout.on('data', (chunk) => (output += chunk));
      child.stderr.on('data', (chunk) => (output += chunk));
      child.on('error', reject);
      child.on('close', (code) =>
        code === 0
          ? resolve(output)
          : reject(new Error(`cdktf ${args.join(' ')} exited ${code}:\n${output.slice(-6000)}`)),
      );
    });
  }

  const deploy = (): Promise<string> =>
    cdktf(['deploy', 'fleet-*', '--auto-approve', '--skip-provider-lock', '--no-color']);

  async function overrides(tenant: string): Promise<Record<string, boolean>> {
    const state = await emulator.inspect.tenant(tenant);
    return Object.fromEntries(
      state.recipients
        .filter((r) => r.SmtpClientAuthenticationDisabled !== null && r.SmtpClientAuthenticationDisabled !== undefined)
        .map((r) => [r.UserPrincipalName, r.SmtpClientAuthenticationDisabled]),
    ) as Record<string, boolean>;
  }

  test("deploys every tenant, wave 0 first; changing one allow list and redeploying changes only that tenant; a listed mailbox deleted outside Terraform is named in the tenant's diff, and destroying the fleet succeeds", async () => {
    await deploy();

    const states = await Promise.all(TENANTS.map((tenant) => emulator.inspect.tenant(tenant)));
    expect(states.map((s) => s.transportConfig.SmtpClientAuthenticationDisabled)).toEqual([true, true, true]);
    expect(states.map((s) => s.transportConfig.AllowLegacyTLSClients)).toEqual([false, false, true]);
    expect(await overrides(TENANTS[0])).toEqual({ 'scanner@contoso.com': false });
    expect(await overrides(TENANTS[1])).toEqual({ 'printer@fabrikam.com': false, 'alerts@fabrikam.com': false });
    expect(await overrides(TENANTS[2])).toEqual({ 'labels@northwind.com': false });

    // Canary order: every call to the wave-0 tenant happened before any call to a wave-1 tenant.
    const { calls } = await emulator.inspect.request<{ calls: Call[] }>('GET', '/_emulator/calls');
    const seqs = (tenant: string): number[] => calls.filter((c) => c.tenant.toLowerCase() === tenant).map((c) => c.seq);
    expect(seqs(TENANTS[0]).length).toBeGreaterThan(0);
    expect(Math.max(...seqs(TENANTS[0]))).toBeLessThan(Math.min(...seqs(TENANTS[1]), ...seqs(TENANTS[2])));

    // Each tenant has its own state file; no token reached cdktf.out/ or the state.
    expect(
      readdirSync(join(work, 'state'))
        .filter((f) => f.endsWith('.tfstate'))
        .sort(),
    ).toEqual(['contoso.tfstate', 'fabrikam.tfstate', 'northwind.tfstate']);
    for (const file of [...allFiles(join(work, 'cdktf.out')), ...allFiles(join(work, 'state'))]) {
      expect({ file, leaks: readFileSync(file, 'utf8').includes(emulator.token) }).toEqual({ file, leaks: false });
    }

    // Fabrikam's allow list changes: alerts@ goes, frontdesk@ comes.
    writeFileSync(
      join(work, 'allow', 'fabrikam.txt'),
      '# Fabrikam\nprinter@fabrikam.com\nfrontdesk@fabrikam.com  # new kiosk\n',
    );
    const revisions = new Map(states.map((s) => [s.initialDomain, s.revision]));
    await emulator.inspect.clearCalls();
    const output = await deploy();

    expect(await overrides(TENANTS[1])).toEqual({ 'printer@fabrikam.com': false, 'frontdesk@fabrikam.com': false });
    const after = await Promise.all(TENANTS.map((tenant) => emulator.inspect.tenant(tenant)));
    expect(after.map((s) => [s.initialDomain, s.revision === revisions.get(s.initialDomain)])).toEqual([
      [TENANTS[0], true],
      [TENANTS[1], false],
      [TENANTS[2], true],
    ]);
    const { calls: second } = await emulator.inspect.request<{ calls: Call[] }>('GET', '/_emulator/calls');
    const writes = second.filter((c) => !c.cmdlet.startsWith('Get-'));
    expect(writes.length).toBeGreaterThan(0);
    expect([...new Set(writes.map((c) => c.tenant.toLowerCase()))]).toEqual([TENANTS[1]]);
    expect(output).toMatch(/fleet-w0-contoso[\s\S]*No changes/);
    expect(output).toMatch(/fleet-w1-northwind[\s\S]*No changes/);

    // The deployed fleet goes on (one deploy of three tenants fewer than a test of its own): a listed mailbox
    // deleted outside Terraform is named in that tenant's diff, and destroying the fleet still succeeds.
    await emulator.inspect.request(
      'DELETE',
      '/_emulator/tenants/fabrikam.onmicrosoft.com/recipients/frontdesk%40fabrikam.com',
    );
    const diff = await cdktf(['diff', 'fleet-w1-fabrikam', '--skip-provider-lock', '--no-color']);
    expect(diff.replace(/\s+/g, ' ')).toContain('Mailbox "frontdesk@fabrikam.com" was deleted outside Terraform');
    expect(diff).not.toMatch(/Error:/);

    await cdktf(['destroy', 'fleet-*', '--auto-approve', '--skip-provider-lock', '--no-color']);
    expect(await overrides(TENANTS[1])).toEqual({});
    expect(await overrides(TENANTS[0])).toEqual({});
  }, 480_000); // three tenants deployed twice, diffed and destroyed through cdktf
});
