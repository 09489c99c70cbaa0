/**
 * exchangeonline_default_authentication_policy end to end with the real terraform and the emulator: set the
 * organization default, no-op plan, drift (cleared or changed behind Terraform's back), update, import by tenant,
 * destroy clears it.
 */
import { REQUIRED_PROVIDERS, TerraformWorkspace } from '../support/terraform';
import { DEMO_TENANT, startTestEmulator, type TestEmulator } from '../support/emulator';

const ADDRESS = 'exchangeonline_default_authentication_policy.org';
const BLOCK = 'Block Basic Auth';
const PRINTERS = "Printers' SMTP";

function config(defaultPolicy: 'block' | 'printers' | null): Record<string, string> {
  return {
    'main.tf': `${REQUIRED_PROVIDERS}
provider "exchangeonline" {}

resource "exchangeonline_authentication_policy" "block" {
  name = ${JSON.stringify(BLOCK)}
}

resource "exchangeonline_authentication_policy" "printers" {
  name                  = ${JSON.stringify(PRINTERS)}
  allow_basic_auth_smtp = true
}
${
  defaultPolicy === null
    ? ''
    : `
resource "exchangeonline_default_authentication_policy" "org" {
  authentication_policy = exchangeonline_authentication_policy.${defaultPolicy}.name
}
`
}`,
  };
}

describe('exchangeonline_default_authentication_policy', () => {
  let emulator: TestEmulator;
  beforeEach(async () => {
    emulator = await startTestEmulator();
  });
  afterEach(async () => {
    await emulator.stop();
  });

  const orgDefault = async (): Promise<string | null> =>
    (await emulator.inspect.tenant()).organizationConfig.DefaultAuthenticationPolicy;

  test('lifecycle: set, no-op plan, drift, update, destroy everything clears the default before deleting policies', async () => {
    const tf = new TerraformWorkspace(config('block'), emulator.providerEnv);
    try {
      await tf.init();
      expect(await orgDefault()).toBeNull();
      const planned = await tf.plan(2);
      expect(planned.plan.resource_changes!.find((c) => c.address === ADDRESS)!.change.after).toMatchObject({
        id: DEMO_TENANT,
        authentication_policy: BLOCK,
      });

      await tf.apply();
      expect(await orgDefault()).toBe(BLOCK);
      const block = await emulator.inspect.authenticationPolicy(BLOCK);
      expect(await tf.resourceValues(ADDRESS)).toEqual({
        id: DEMO_TENANT,
        authentication_policy: BLOCK,
        authentication_policy_guid: block!.Guid.toLowerCase(),
      });

      const revision = (await emulator.inspect.tenant()).revision;
      await tf.noChanges();
      expect((await emulator.inspect.tenant()).revision).toBe(revision);

      // Cleared behind Terraform's back.
      await emulator.inspect.setOrganizationConfig({ DefaultAuthenticationPolicy: null });
      const cleared = await tf.plan(2);
      const change = cleared.plan.resource_changes!.find((c) => c.address === ADDRESS)!;
      expect(change.change.actions).toEqual(['update']);
      expect([change.change.before.authentication_policy, change.change.after.authentication_policy]).toEqual([
        null,
        BLOCK,
      ]);
      expect(cleared.plan.resource_drift?.map((d) => d.address)).toEqual([ADDRESS]);
      await tf.apply();
      expect(await orgDefault()).toBe(BLOCK);

      // Changed behind Terraform's back.
      await emulator.inspect.setOrganizationConfig({ DefaultAuthenticationPolicy: PRINTERS });
      const changed = await tf.plan(2);
      const back = changed.plan.resource_changes!.find((c) => c.address === ADDRESS)!;
      expect([back.change.before.authentication_policy, back.change.after.authentication_policy]).toEqual([
        PRINTERS,
        BLOCK,
      ]);
      await tf.apply();
      expect(await orgDefault()).toBe(BLOCK);
      await tf.noChanges();

      tf.write(config('printers'));
      // Planned and applied as an in-place update: apply prints the plan it carries out.
      const update = await tf.apply();
      expect(update.stdout).toContain(`# ${ADDRESS} will be updated in-place`);
      expect(await orgDefault()).toBe(PRINTERS);
      await tf.noChanges();

      await tf.destroy(); // plans the destroy first: nothing refused
      const tenant = await emulator.inspect.tenant();
      expect(tenant.organizationConfig.DefaultAuthenticationPolicy).toBeNull();
      expect(tenant.authenticationPolicies).toEqual([]);
    } finally {
      tf.cleanup();
    }
  });

  test('destroying only the default resource clears the default and keeps the policy', async () => {
    const tf = new TerraformWorkspace(config('printers'), emulator.providerEnv);
    try {
      await tf.init();
      await tf.apply();
      expect(await orgDefault()).toBe(PRINTERS);
      tf.write(config(null));
      await tf.apply();
      expect(await orgDefault()).toBeNull();
      expect(await emulator.inspect.authenticationPolicy(PRINTERS)).toBeDefined();
      await tf.noChanges();
    } finally {
      tf.cleanup();
    }
  });

  test('import by tenant, with the CLI and with an import block and -generate-config-out', async () => {
    await emulator.inspect.invoke('New-AuthenticationPolicy', { Name: BLOCK });
    const tf = new TerraformWorkspace(
      {
        'main.tf': `${REQUIRED_PROVIDERS}
provider "exchangeonline" {}

resource "exchangeonline_default_authentication_policy" "org" {
  authentication_policy = ${JSON.stringify(BLOCK)}
}
`,
      },
      emulator.providerEnv,
    );
    try {
      await tf.init();
      const none = await tf.run(['import', '-no-color', '-input=false', ADDRESS, DEMO_TENANT]);
      expect(none.code).toBe(1);
      expect(none.stderr.replace(/\s*│\s*/g, ' ')).toMatch(/has no default authentication policy/);

      await emulator.inspect.setOrganizationConfig({ DefaultAuthenticationPolicy: BLOCK });
      const revision = (await emulator.inspect.tenant()).revision;
      await tf.expect(['import', '-no-color', '-input=false', ADDRESS, DEMO_TENANT]);
      expect(await tf.resourceValues(ADDRESS)).toMatchObject({ id: DEMO_TENANT, authentication_policy: BLOCK });
      expect((await emulator.inspect.tenant()).revision).toBe(revision);
      await tf.noChanges();

      tf.write({
        'other.tf': `resource "exchangeonline_default_authentication_policy" "other" {\n  authentication_policy = ${JSON.stringify(BLOCK)}\n}\n`,
      });
      const wrong = await tf.run([
        'import',
        '-no-color',
        '-input=false',
        'exchangeonline_default_authentication_policy.other',
        'fabrikam.onmicrosoft.com',
      ]);
      expect(wrong.code).toBe(1);
      expect(wrong.stderr.replace(/\s*│\s*/g, ' ')).toMatch(/Import ID names a different tenant/);
    } finally {
      tf.cleanup();
    }

    const generated = new TerraformWorkspace(
      {
        'main.tf': `${REQUIRED_PROVIDERS}\nprovider "exchangeonline" {}\n\nimport {\n  to = ${ADDRESS}\n  id = "${DEMO_TENANT}"\n}\n`,
      },
      emulator.providerEnv,
    );
    try {
      await generated.init();
      const planned = await generated.plan(2, ['-generate-config-out=generated.tf']);
      expect(planned.plan.resource_changes![0].change.importing).toBeDefined();
      const hcl = generated.read('generated.tf');
      expect(hcl).toMatch(/resource "exchangeonline_default_authentication_policy" "org" \{/);
      expect(hcl).toMatch(new RegExp(`authentication_policy\\s*=\\s*"${BLOCK}"`));
      await generated.apply();
      await generated.noChanges();
      expect(await orgDefault()).toBe(BLOCK);
    } finally {
      generated.cleanup();
    }
  });
});
