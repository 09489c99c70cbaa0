/**
 * Plan-time truth with the real terraform: a mailbox managed by two resources with different values, an
 * assignment or default naming a policy that neither exists nor is created in the configuration, and an unknown
 * tenant, fail at plan.
 */
import { REQUIRED_PROVIDERS, TerraformWorkspace } from '../support/terraform';
import { startTestEmulator, type TestEmulator } from '../support/emulator';

const flatten = (text: string): string => text.replace(/[│╷╵]/g, ' ').replace(/\s+/g, ' ');

describe('plan-time truth', () => {
  let emulator: TestEmulator;
  beforeAll(async () => {
    emulator = await startTestEmulator();
  });
  afterAll(async () => {
    await emulator.stop();
  });

  test('a mailbox in a list and in a single resource with different values fails the plan, naming both', async () => {
    const tf = new TerraformWorkspace(
      {
        'main.tf': `${REQUIRED_PROVIDERS}
provider "exchangeonline" {}

resource "exchangeonline_mailbox_smtp_auth_list" "allowed" {
  identities                          = { "sean@contoso.com" = "", "scanner@contoso.com" = "" }
  smtp_client_authentication_disabled = false
}

resource "exchangeonline_mailbox_smtp_auth" "sean" {
  identity                            = "Sean@contoso.com"
  smtp_client_authentication_disabled = true
}
`,
      },
      emulator.providerEnv,
    );
    try {
      await tf.init();
      const planned = await tf.run(['plan', '-no-color', '-input=false']);
      expect(planned.code).toBe(1);
      const text = flatten(planned.stderr);
      expect(text).toMatch(
        /Mailbox "Sean@contoso.com" is managed twice with different values|Mailbox "sean@contoso.com" is managed twice with different values/,
      );
      expect(text).toMatch(/exchangeonline_mailbox_smtp_auth(_list)?\.(sean|allowed)/); // terraform names the failing address
      expect(text).toMatch(/an exchangeonline_mailbox_smtp_auth(_list)? \(/); // the provider names the other claimant
      // The same value twice is no conflict.
      tf.write({
        'main.tf': tf
          .read('main.tf')
          .replace('smtp_client_authentication_disabled = true', 'smtp_client_authentication_disabled = false'),
      });
      await tf.plan(2);
    } finally {
      tf.cleanup();
    }
  });

  test('an assignment or default naming a policy that does not exist fails at plan; a policy created alongside plans', async () => {
    const config = (policy: string): string => `${REQUIRED_PROVIDERS}
provider "exchangeonline" {}

resource "exchangeonline_authentication_policy" "created" {
  name = "Created Here"
}

resource "exchangeonline_authentication_policy_assignment" "scanner" {
  user                  = "scanner@contoso.com"
  authentication_policy = ${policy}
}

resource "exchangeonline_default_authentication_policy" "org" {
  authentication_policy = ${policy}
}
`;
    const tf = new TerraformWorkspace({ 'main.tf': config('"No Such Policy"') }, emulator.providerEnv);
    try {
      await tf.init();
      const planned = await tf.run(['plan', '-no-color', '-input=false']);
      expect(planned.code).toBe(1);
      const text = flatten(planned.stderr);
      expect(text).toMatch(
        /Authentication policy "No Such Policy" not found.*exchangeonline_authentication_policy_assignment\.scanner|exchangeonline_authentication_policy_assignment\.scanner.*Authentication policy "No Such Policy" not found/,
      );
      expect(text).toMatch(/exchangeonline_default_authentication_policy\.org/);
      expect(await emulator.inspect.callsTo('Set-User')).toEqual([]);
      tf.write({ 'main.tf': config('exchangeonline_authentication_policy.created.name') });
      const { plan } = await tf.plan(2);
      expect(plan.resource_changes!.map((change) => change.address).sort()).toEqual([
        'exchangeonline_authentication_policy.created',
        'exchangeonline_authentication_policy_assignment.scanner',
        'exchangeonline_default_authentication_policy.org',
      ]);
    } finally {
      tf.cleanup();
    }
  });

  test('an unknown tenant fails the plan of resources without state, with the tenant remedy; a known tenant costs one call, and none after a refresh', async () => {
    const config = `${REQUIRED_PROVIDERS}
provider "exchangeonline" {}

resource "exchangeonline_transport_config" "org" {
  smtp_client_authentication_disabled = true
}
`;
    // REST bridge whatever EXOFORM_TEST_BRIDGE says: the pwsh stand-in models no unknown tenant.
    const rest = { EXO_BRIDGE: 'rest', EXO_POWERSHELL_PATH: '' };
    const tf = new TerraformWorkspace(
      { 'main.tf': config },
      { ...emulator.providerEnv, ...rest, EXO_ORGANIZATION: 'fabrikam.onmicrosoft.com' },
    );
    try {
      await tf.init();
      await emulator.inspect.clearCalls();
      const planned = await tf.run(['plan', '-no-color', '-input=false']);
      expect(planned.code).toBe(1);
      const text = flatten(planned.stderr);
      expect(text).toMatch(
        /The tenant "fabrikam\.onmicrosoft\.com" \(the `organization` setting\) is unknown to Exchange Online/,
      );
      expect(text).toMatch(
        /Set `organization` \(or the EXO_ORGANIZATION environment variable\) to the tenant's initial domain, `<name>\.onmicrosoft\.com`/,
      );
      expect(text).not.toMatch(/Exchange role|Exchange Administrator|Assign the app/); // not a role remedy
      expect((await emulator.inspect.calls()).calls.filter((call) => !/^Get-/.test(call.cmdlet))).toEqual([]);

      // The right tenant: the create plan costs one cheap call (the check) ...
      const known = new TerraformWorkspace({ 'main.tf': config }, { ...emulator.providerEnv, ...rest });
      try {
        await known.init();
        await emulator.inspect.clearCalls();
        await known.plan(2);
        expect((await emulator.inspect.calls()).calls.map((call) => call.cmdlet)).toEqual(['Get-TransportConfig']);
        // ... and once the service has answered in this process (the refresh, which the new resource's plan follows
        // through its reference), the check costs nothing more.
        await known.apply();
        known.write({
          'main.tf': `${config}\nresource "exchangeonline_authentication_policy" "new" {\n  name = "After \${exchangeonline_transport_config.org.id}"\n}\n`,
        });
        await emulator.inspect.clearCalls();
        await known.plan(2);
        expect((await emulator.inspect.calls()).calls.map((call) => call.cmdlet)).toEqual([
          'Get-TransportConfig',
          'Get-AuthenticationPolicy',
        ]);
      } finally {
        known.cleanup();
      }
    } finally {
      tf.cleanup();
    }
  });
});
