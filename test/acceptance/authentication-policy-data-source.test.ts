/**
 * data "exchangeonline_authentication_policies" with the real terraform and the emulator: every policy with its
 * switches, the org default and the users assigned to each, found with an OPATH filter whose literal is escaped
 * (one policy name carries quotes). An empty tenant is read in process in
 * test/provider/data-sources/authentication-policies.test.ts.
 */
import { REQUIRED_PROVIDERS, TerraformWorkspace } from '../support/terraform';
import { DEMO_TENANT, startTestEmulator, type TestEmulator } from '../support/emulator';

const BLOCK = 'Block Basic Auth';
const PRINTERS = "Kevin O'Brien's printers";

describe('data exchangeonline_authentication_policies', () => {
  let emulator: TestEmulator;
  beforeEach(async () => {
    emulator = await startTestEmulator();
  });
  afterEach(async () => {
    await emulator.stop();
  });

  test('lists every policy with its switches, whether it is the default, and its users', async () => {
    await emulator.inspect.invoke('New-AuthenticationPolicy', { Name: BLOCK });
    await emulator.inspect.invoke('New-AuthenticationPolicy', {
      Name: PRINTERS,
      AllowBasicAuthSmtp: true,
      AllowBasicAuthPop: true,
    });
    await emulator.inspect.setRecipient('scanner@contoso.com', { AuthenticationPolicy: PRINTERS });
    await emulator.inspect.setRecipient('jdoe@contoso.com', { AuthenticationPolicy: PRINTERS });
    await emulator.inspect.setRecipient('sean@contoso.com', { AuthenticationPolicy: BLOCK });
    await emulator.inspect.setOrganizationConfig({ DefaultAuthenticationPolicy: BLOCK });
    await emulator.inspect.clearCalls();

    const tf = new TerraformWorkspace(
      {
        'main.tf': `${REQUIRED_PROVIDERS}
provider "exchangeonline" {}

data "exchangeonline_authentication_policies" "all" {}

output "all" { value = data.exchangeonline_authentication_policies.all }
output "basic_smtp_allowed_for" {
  value = { for p in data.exchangeonline_authentication_policies.all.policies : p.name => p.assigned_users if p.allow_basic_auth_smtp }
}
`,
      },
      emulator.providerEnv,
    );
    try {
      await tf.init();
      await tf.apply();
      const outputs = (await tf.state()).values!.outputs!;
      const all = outputs.all.value as {
        id: string;
        names: string[];
        default_policy: string;
        policies: Array<Record<string, unknown>>;
      };
      const printers = await emulator.inspect.authenticationPolicy(PRINTERS);
      expect(all.id).toBe(DEMO_TENANT);
      expect(all.names).toEqual([BLOCK, PRINTERS]);
      expect(all.default_policy).toBe(BLOCK);
      expect(all.policies[0]).toMatchObject({
        name: BLOCK,
        is_default: true,
        assigned_users: ['sean@contoso.com'],
        allow_basic_auth_smtp: false,
      });
      expect(all.policies[1]).toMatchObject({
        name: PRINTERS,
        guid: printers!.Guid.toLowerCase(),
        distinguished_name: printers!.DistinguishedName,
        is_default: false,
        assigned_users: ['jdoe@contoso.com', 'scanner@contoso.com'],
        allow_basic_auth_smtp: true,
        allow_basic_auth_pop: true,
        allow_basic_auth_imap: false,
        allow_basic_auth_active_sync: false,
      });
      expect(outputs.basic_smtp_allowed_for.value).toEqual({ [PRINTERS]: ['jdoe@contoso.com', 'scanner@contoso.com'] });

      // One filtered Get-User per policy, the quotes in the DN doubled inside the OPATH literal, never an unlimited scan.
      const filters = (await emulator.inspect.callsTo('Get-User')).map((c) => c.parameters);
      expect(filters).toContainEqual({
        Filter: `AuthenticationPolicy -eq '${printers!.DistinguishedName.replace(/'/g, "''")}'`,
        ResultSize: 'Unlimited',
      });
      expect(filters.every((p) => typeof p.Filter === 'string')).toBe(true);
      expect(await emulator.inspect.callsTo('Get-AuthenticationPolicy')).toEqual(
        expect.arrayContaining([expect.objectContaining({ parameters: {} })]),
      );
    } finally {
      tf.cleanup();
    }
  });
});
