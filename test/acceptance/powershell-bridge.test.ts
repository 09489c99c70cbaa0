/**
 * bridge = "powershell" end to end, in every `npm test`: the real terraform binary, the packaged provider, the
 * PowerShell bridge driving node-powershell, and the pwsh stand-in (a TEST DOUBLE, not PowerShell: see
 * test/support/pwsh-stand-in/README.md) forwarding to the emulator. `npm run test:powershell` runs the acceptance
 * tests of the reliability guarantees this way (the README's PowerShell tier); this file covers the bridge's own
 * behaviour in the default run.
 */
import { readFileSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REQUIRED_PROVIDERS, TerraformWorkspace } from '../support/terraform';
import { DEMO_TENANT, PWSH_STAND_IN, startTestEmulator, type TestEmulator } from '../support/emulator';

interface StandInEvent {
  pid: number;
  event: string;
  cmdlet?: string;
  payload?: unknown;
}

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

const flatten = (text: string): string => text.replace(/[│╷╵]/g, ' ').replace(/\s+/g, ' ');

describe('bridge = "powershell" through the pwsh stand-in', () => {
  let emulator: TestEmulator;
  let directory: string;
  let logFile: string;

  beforeEach(async () => {
    emulator = await startTestEmulator();
    directory = mkdtempSync(join(tmpdir(), 'exoform-pwsh-acc-'));
    logFile = join(directory, 'stand-in.log');
  });
  afterEach(async () => {
    await emulator.stop();
    rmSync(directory, { recursive: true, force: true });
  });

  /** The provider block selects the bridge explicitly here, whatever EXOFORM_TEST_BRIDGE says. */
  const environment = (): Record<string, string> => ({
    ...emulator.providerEnv,
    EXO_BRIDGE: '',
    EXO_POWERSHELL_PATH: '',
    EXOFORM_STAND_IN_LOG: logFile,
  });
  const providerBlock = `provider "exchangeonline" {\n  bridge          = "powershell"\n  powershell_path = "${PWSH_STAND_IN}"\n}\n`;

  const events = (): StandInEvent[] =>
    existsSync(logFile)
      ? readFileSync(logFile, 'utf8')
          .split('\n')
          .filter(Boolean)
          .map((line) => JSON.parse(line) as StandInEvent)
      : [];

  /** Every stand-in process the provider started has exited, each after Disconnect then exit (or was never connected). */
  function expectSessionsClosedCleanly(): void {
    const all = events();
    expect(all.filter((e) => e.event === 'rejected')).toEqual([]);
    const pids = [...new Set(all.filter((e) => e.event === 'start').map((e) => e.pid))];
    expect(pids.length).toBeGreaterThan(0);
    for (const pid of pids) {
      const own = all.filter((e) => e.pid === pid).map((e) => e.event);
      expect({ pid, ending: own.slice(-2) }).toEqual({ pid, ending: ['disconnect', 'exit'] });
      expect(isRunning(pid)).toBe(false);
    }
  }

  test('exchangeonline_transport_config: create, no-op plan, drift, repair, update, destroy restores "not set"', async () => {
    const config = (legacy: boolean): Record<string, string> => ({
      'main.tf': `${REQUIRED_PROVIDERS}\n${providerBlock}\nresource "exchangeonline_transport_config" "org" {\n  smtp_client_authentication_disabled = true\n  allow_legacy_tls_clients            = ${legacy}\n  restore_on_destroy                  = true\n}\n`,
    });
    const tf = new TerraformWorkspace(config(true), environment());
    try {
      await tf.init();
      const created = await tf.plan(2);
      expect(created.plan.resource_changes?.map((c) => c.change.actions)).toEqual([['create']]);
      await tf.apply();
      expect((await emulator.inspect.tenant()).transportConfig).toMatchObject({
        SmtpClientAuthenticationDisabled: true,
        AllowLegacyTLSClients: true,
      });
      expect(await tf.resourceValues('exchangeonline_transport_config.org')).toMatchObject({
        id: DEMO_TENANT,
        allow_legacy_tls_clients: true,
        original_settings: { smtp_client_authentication_disabled: true, allow_legacy_tls_clients: null },
      });
      await tf.noChanges();

      await emulator.inspect.setTransportConfig({ SmtpClientAuthenticationDisabled: false });
      const drifted = await tf.plan(2);
      expect(drifted.plan.resource_changes![0]!.change.before.smtp_client_authentication_disabled).toBe(false);
      await tf.apply();
      expect((await emulator.inspect.tenant()).transportConfig.SmtpClientAuthenticationDisabled).toBe(true);

      tf.write(config(false));
      await tf.apply();
      expect((await emulator.inspect.tenant()).transportConfig.AllowLegacyTLSClients).toBe(false);
      await tf.destroy();
      expect((await tf.state()).values?.root_module?.resources ?? []).toEqual([]);
      // The tenant never set legacy TLS: the restore sent $null through pwsh, and it reads "not set" again.
      expect((await emulator.inspect.tenant()).transportConfig.AllowLegacyTLSClients).toBeNull();

      const calls = events()
        .filter((e) => e.event === 'call')
        .map((e) => e.cmdlet);
      expect(calls).toContain('Get-TransportConfig');
      expect(calls).toContain('Set-TransportConfig');
      expectSessionsClosedCleanly();
    } finally {
      tf.cleanup();
    }
  });

  test('exchangeonline_mailbox_smtp_auth: enabled, disabled, inherit; drift; destroy back to inherit', async () => {
    const mailboxes = ['sean@contoso.com', 'chris@contoso.com'];
    const config = (sean: boolean | null, chris: boolean | null): Record<string, string> => {
      const block = (upn: string, value: boolean | null): string =>
        `resource "exchangeonline_mailbox_smtp_auth" "${upn.split('@')[0]}" {\n  identity = "${upn}"\n${value === null ? '' : `  smtp_client_authentication_disabled = ${value}\n`}}\n`;
      return {
        'main.tf': `${REQUIRED_PROVIDERS}\n${providerBlock}\n${block(mailboxes[0]!, sean)}\n${block(mailboxes[1]!, chris)}`,
      };
    };
    const tf = new TerraformWorkspace(config(false, true), environment());
    try {
      await tf.init();
      await tf.apply();
      expect(await emulator.inspect.overrides(mailboxes)).toEqual({
        'sean@contoso.com': false,
        'chris@contoso.com': true,
      });
      expect(await tf.resourceValues('exchangeonline_mailbox_smtp_auth.sean')).toMatchObject({
        primary_smtp_address: 'sean@contoso.com',
        effective_smtp_auth_enabled: true,
      });
      await tf.noChanges();

      await emulator.inspect.setRecipient('sean@contoso.com', { SmtpClientAuthenticationDisabled: null });
      await tf.changes();
      tf.write(config(false, null));
      await tf.apply();
      expect(await emulator.inspect.overrides(mailboxes)).toEqual({
        'sean@contoso.com': false,
        'chris@contoso.com': null,
      });
      await tf.destroy();
      expect(await emulator.inspect.overrides(mailboxes)).toEqual({
        'sean@contoso.com': null,
        'chris@contoso.com': null,
      });
      expectSessionsClosedCleanly();
    } finally {
      tf.cleanup();
    }
  });

  test('a hostile identity reaches the service byte-exact and fails the plan as not found', async () => {
    const identity = 'a$(Remove-Mailbox x)@contoso.com';
    const tf = new TerraformWorkspace(
      {
        'main.tf': `${REQUIRED_PROVIDERS}\n${providerBlock}\nvariable "identity" {\n  type = string\n}\nresource "exchangeonline_mailbox_smtp_auth" "target" {\n  identity = var.identity\n  smtp_client_authentication_disabled = false\n}\n`,
        'terraform.tfvars.json': JSON.stringify({ identity }),
      },
      environment(),
    );
    try {
      await tf.init();
      await emulator.inspect.clearCalls();
      const result = await tf.run(['plan', '-no-color', '-input=false']);
      expect(result.code).toBe(1);
      expect(flatten(result.stderr)).toMatch(/not found/);
      const { calls } = await emulator.inspect.calls();
      expect(calls.map((c) => c.parameters?.Identity)).toContain(identity);
      expect(events().filter((e) => e.event === 'rejected')).toEqual([]);
    } finally {
      tf.cleanup();
    }
  });

  test('the token never appears in output, trace logs or state; a wrong one is reported as refused credentials', async () => {
    const tf = new TerraformWorkspace(
      {
        'main.tf': `${REQUIRED_PROVIDERS}\n${providerBlock}\nresource "exchangeonline_transport_config" "org" {\n  smtp_client_authentication_disabled = true\n}\n`,
      },
      { ...environment(), TF_LOG: 'trace' },
    );
    try {
      await tf.init();
      const applied = await tf.apply();
      const shown = await tf.expect(['show', '-json']);
      expect(
        applied.stdout + applied.stderr + shown.stdout + tf.read('terraform.tfstate') + readFileSync(logFile, 'utf8'),
      ).not.toContain(emulator.token);

      const wrong = 'wrong-token-value-8812';
      const failed = await tf.run(['apply', '-no-color', '-input=false', '-auto-approve', '-refresh=true'], {
        EXO_ACCESS_TOKEN: wrong,
      });
      expect(failed.code).toBe(1);
      expect(flatten(failed.stderr)).toMatch(/refused the credentials/);
      expect(failed.stdout + failed.stderr + readFileSync(logFile, 'utf8')).not.toContain(wrong);
    } finally {
      tf.cleanup();
    }
  });

  test('configuration mistakes are reported at plan time, naming the attributes', async () => {
    const tf = new TerraformWorkspace(
      {
        'main.tf': `${REQUIRED_PROVIDERS}\nprovider "exchangeonline" {\n  bridge        = "powershell"\n  client_id     = "00000000-0000-0000-0000-000000000001"\n  client_secret = "s"\n}\nresource "exchangeonline_transport_config" "org" {\n  smtp_client_authentication_disabled = true\n}\n`,
      },
      { ...environment(), EXO_ACCESS_TOKEN: '' },
    );
    try {
      await tf.init();
      const result = await tf.run(['plan', '-no-color', '-input=false']);
      expect(result.code).toBe(1);
      expect(flatten(result.stderr)).toMatch(
        /`client_secret` cannot be used with bridge = "powershell": Connect-ExchangeOnline has no client-secret sign-in/,
      );
    } finally {
      tf.cleanup();
    }
  });
});
