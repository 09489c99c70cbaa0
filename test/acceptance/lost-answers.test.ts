/**
 * R1c: every create and delete converges within the same apply when the service applies the change and the answer
 * is lost (emulator faults with `when: "after"`): policy, assignment, default policy, transport config and list.
 * Also: a fixed token survives one 401, and TF_LOG_PROVIDER=WARN shows the provider's retry warning (hclog lines).
 */
import { REQUIRED_PROVIDERS, TerraformWorkspace } from '../support/terraform';
import { startTestEmulator, type TestEmulator } from '../support/emulator';

const POLICY = 'Lost Answer Policy';

const MAIN_TF = `${REQUIRED_PROVIDERS}
provider "exchangeonline" {}

resource "exchangeonline_authentication_policy" "legacy" {
  name                  = ${JSON.stringify(POLICY)}
  allow_basic_auth_smtp = true
  detach_on_destroy     = true
}

resource "exchangeonline_authentication_policy_assignment" "scanner" {
  user                  = "scanner@contoso.com"
  authentication_policy = exchangeonline_authentication_policy.legacy.name
}

resource "exchangeonline_default_authentication_policy" "org" {
  authentication_policy = exchangeonline_authentication_policy.legacy.name
}

resource "exchangeonline_transport_config" "org" {
  allow_legacy_tls_clients = true
}

resource "exchangeonline_mailbox_smtp_auth_list" "allowed" {
  identities                          = { "sean@contoso.com" = "", "scanner@contoso.com" = "" }
  smtp_client_authentication_disabled = false
}
`;

/** One lost answer (applied, then 504 / a reset) on the first call of each cmdlet. */
function lostAnswers(cmdlets: string[]): Array<Record<string, unknown>> {
  return cmdlets.map((cmdlet, index) =>
    index % 2 === 0 ? { cmdlet, when: 'after', status: 504 } : { cmdlet, when: 'after', reset: true },
  );
}

describe('lost answers (R1c), fixed-token 401, provider warnings in terraform logs', () => {
  let emulator: TestEmulator;
  beforeAll(async () => {
    emulator = await startTestEmulator();
  });
  afterAll(async () => {
    await emulator.stop();
  });

  test('every create and delete converges in the same apply when its answer is lost', async () => {
    const tf = new TerraformWorkspace(
      { 'main.tf': MAIN_TF },
      { ...emulator.providerEnv, EXOFORM_RETRY_BACKOFF_MS: '100' },
    );
    try {
      await tf.init();
      await emulator.inspect.addFault(
        lostAnswers([
          'New-AuthenticationPolicy',
          'Set-User',
          'Set-OrganizationConfig',
          'Set-TransportConfig',
          'Set-CASMailbox',
        ]),
      );
      const started = Date.now();
      const applied = await tf.apply();
      const createRules = await emulator.inspect.faults();
      expect(createRules.map((rule) => [rule.cmdlet, rule.fired])).toEqual(createRules.map((rule) => [rule.cmdlet, 1]));
      const createFaults = createRules.length;
      expect(applied.stdout).toMatch(/Apply complete! Resources: 5 added/);
      expect(applied.stdout).not.toMatch(/tainted|inconsistent/i);
      const policy = await emulator.inspect.authenticationPolicy(POLICY);
      expect(policy?.AllowBasicAuthSmtp).toBe(true);
      expect((await emulator.inspect.recipient('scanner@contoso.com')).AuthenticationPolicy).toBeTruthy();
      expect(await emulator.inspect.overrides(['sean@contoso.com', 'scanner@contoso.com'])).toEqual({
        'sean@contoso.com': false,
        'scanner@contoso.com': false,
      });
      expect((await emulator.inspect.tenant()).transportConfig.AllowLegacyTLSClients).toBe(true);
      expect(await emulator.inspect.callsTo('New-AuthenticationPolicy')).toHaveLength(1); // adopted, not sent twice
      await tf.noChanges();

      await emulator.inspect.clearFaults();
      await emulator.inspect.addFault(
        lostAnswers(['Remove-AuthenticationPolicy', 'Set-User', 'Set-OrganizationConfig', 'Set-CASMailbox']),
      );
      const destroyed = await tf.destroy();
      const deleteRules = await emulator.inspect.faults();
      expect(deleteRules.map((rule) => [rule.cmdlet, rule.fired])).toEqual(deleteRules.map((rule) => [rule.cmdlet, 1]));
      const deleteFaults = deleteRules.length;
      expect(destroyed.stdout).toMatch(/Destroy complete! Resources: 5 destroyed/);
      expect(await emulator.inspect.authenticationPolicy(POLICY)).toBeUndefined();
      expect(await emulator.inspect.overrides(['sean@contoso.com', 'scanner@contoso.com'])).toEqual({
        'sean@contoso.com': null,
        'scanner@contoso.com': null,
      });
      // Figures for the report.
      console.log(
        `R1c: ${createFaults + deleteFaults} lost answers injected (apply ${createFaults}, destroy ${deleteFaults}); converged; ${Date.now() - started} ms`,
      );
    } finally {
      await emulator.inspect.clearFaults();
      tf.cleanup();
    }
  });

  test('a fixed token survives one 401; TF_LOG_PROVIDER=WARN shows the retry warning as a parsed provider log line', async () => {
    const tf = new TerraformWorkspace(
      {
        'main.tf': `${REQUIRED_PROVIDERS}
provider "exchangeonline" {}
data "exchangeonline_transport_config" "org" {}
`,
      },
      emulator.providerEnv,
    );
    try {
      await tf.init();
      await emulator.inspect.addFault({ cmdlet: 'Get-TransportConfig', status: 401 });
      const planned = await tf.run(['plan', '-no-color', '-input=false'], { TF_LOG_PROVIDER: 'WARN' });
      expect(planned.code).toBe(0);
      // Terraform re-emits a parsed hclog line with its own prefix and level; an unparsed one would only show at DEBUG.
      const warning = planned.stderr
        .split('\n')
        .find((line) =>
          /\[WARN\]\s+provider\.terraform-provider-exchangeonline.*retrying after token refused \(HTTP 401\)/.test(
            line,
          ),
        );
      expect(warning).toBeDefined();
      expect(planned.stderr).not.toContain(emulator.token);
      expect(await emulator.inspect.callsTo('Get-TransportConfig')).toEqual(
        expect.arrayContaining([expect.objectContaining({ status: 401 })]),
      );
    } finally {
      await emulator.inspect.clearFaults();
      tf.cleanup();
    }
  });
});
