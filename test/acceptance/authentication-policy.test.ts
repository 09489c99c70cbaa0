/**
 * exchangeonline_authentication_policy end to end with the real terraform and the emulator: create, no-op plan,
 * drift, update in place (also through Set-AuthenticationPolicy's known defect), import, and the destroy guard
 * (refused while assigned or default, at plan and apply time; detach_on_destroy). Every step asserts on the
 * emulator's state. The policy name carries a quote and a comma, so the OPATH filter and the DN escaping are exercised.
 * Name validation is checked in process: test/provider/resources/authentication-policy.test.ts.
 */
import { REQUIRED_PROVIDERS, TerraformWorkspace } from '../support/terraform';
import { startTestEmulator, type TestEmulator } from '../support/emulator';

const ADDRESS = 'exchangeonline_authentication_policy.legacy';
const NAME = "Contractors' POP, IMAP & SMTP";
const OBJECT_REFERENCE = 'Object reference not set to an instance of an object.';

interface PolicyConfig {
  name?: string;
  switches?: Record<string, boolean>;
  detach?: boolean;
}

function config(policy: PolicyConfig): Record<string, string> {
  const lines = [`  name = ${JSON.stringify(policy.name ?? NAME)}`];
  for (const [attribute, value] of Object.entries(policy.switches ?? {})) lines.push(`  ${attribute} = ${value}`);
  if (policy.detach !== undefined) lines.push(`  detach_on_destroy = ${policy.detach}`);
  return {
    'main.tf': `${REQUIRED_PROVIDERS}\nprovider "exchangeonline" {}\n\nresource "exchangeonline_authentication_policy" "legacy" {\n${lines.join('\n')}\n}\n`,
  };
}

const POP_IMAP_SMTP = { allow_basic_auth_pop: true, allow_basic_auth_imap: true, allow_basic_auth_smtp: true };

describe('exchangeonline_authentication_policy', () => {
  let emulator: TestEmulator;
  beforeEach(async () => {
    emulator = await startTestEmulator();
  });
  afterEach(async () => {
    await emulator.stop();
  });

  async function record(name = NAME) {
    return emulator.inspect.authenticationPolicy(name);
  }

  test('lifecycle: create (unset switches blocked), no-op plan, drift, update in place, destroy', async () => {
    const tf = new TerraformWorkspace(config({ switches: POP_IMAP_SMTP }), emulator.providerEnv);
    try {
      await tf.init();
      const planned = await tf.plan(2);
      expect(planned.plan.resource_changes?.map((c) => [c.address, c.change.actions])).toEqual([[ADDRESS, ['create']]]);
      expect(planned.plan.resource_changes![0].change.after).toMatchObject({
        name: NAME,
        allow_basic_auth_pop: true,
        allow_basic_auth_rpc: false,
        detach_on_destroy: false,
      });

      await tf.apply();
      const created = await record();
      expect(created).toMatchObject({
        Name: NAME,
        AllowBasicAuthPop: true,
        AllowBasicAuthImap: true,
        AllowBasicAuthSmtp: true,
        AllowBasicAuthActiveSync: false,
        AllowBasicAuthMapi: false,
        AllowBasicAuthWebServices: false,
      });
      const state = await tf.resourceValues(ADDRESS);
      expect(state).toMatchObject({
        id: created!.Guid.toLowerCase(),
        guid: created!.Guid.toLowerCase(),
        distinguished_name: created!.DistinguishedName,
        name: NAME,
        allow_basic_auth_smtp: true,
        allow_basic_auth_powershell: false,
        detach_on_destroy: false,
      });

      const revision = (await emulator.inspect.tenant()).revision;
      await tf.noChanges();
      expect((await emulator.inspect.tenant()).revision).toBe(revision);

      // An administrator turns Basic SMTP off in PowerShell.
      await emulator.inspect.invoke('Set-AuthenticationPolicy', { Identity: NAME, AllowBasicAuthSmtp: false });
      const drifted = await tf.plan(2);
      const change = drifted.plan.resource_changes!.find((c) => c.address === ADDRESS)!;
      expect(change.change.actions).toEqual(['update']);
      expect([change.change.before.allow_basic_auth_smtp, change.change.after.allow_basic_auth_smtp]).toEqual([
        false,
        true,
      ]);
      expect(drifted.plan.resource_drift?.map((d) => d.address)).toEqual([ADDRESS]);
      await tf.apply();
      expect((await record())!.AllowBasicAuthSmtp).toBe(true);
      await tf.noChanges();

      tf.write(
        config({
          switches: { allow_basic_auth_pop: true, allow_basic_auth_smtp: true, allow_basic_auth_active_sync: true },
        }),
      );
      // Planned and applied as one in-place update: apply prints the plan it carries out.
      const update = await tf.apply();
      expect(update.stdout).toContain(`# ${ADDRESS} will be updated in-place`);
      expect(update.stdout).toMatch(/Resources: 0 added, 1 changed, 0 destroyed/);
      const updated = await record();
      expect(updated).toMatchObject({
        Guid: created!.Guid,
        AllowBasicAuthImap: false,
        AllowBasicAuthActiveSync: true,
        AllowBasicAuthPop: true,
      });
      expect(await emulator.inspect.callsTo('New-AuthenticationPolicy')).toHaveLength(1);
      expect(await emulator.inspect.callsTo('Remove-AuthenticationPolicy')).toHaveLength(0);
      await tf.noChanges();

      await tf.destroy(); // not in use: its plan refuses nothing
      expect(await record()).toBeUndefined();
      expect(tf.stateResources()).toEqual([]);
    } finally {
      tf.cleanup();
    }
  });

  test('the known Set-AuthenticationPolicy defect is retried, and the policy is updated in place', async () => {
    const tf = new TerraformWorkspace(config({ switches: POP_IMAP_SMTP }), emulator.providerEnv);
    try {
      await tf.init();
      await tf.apply();
      const before = await record();
      await emulator.inspect.clearCalls();
      await emulator.inspect.addFault({
        cmdlet: 'Set-AuthenticationPolicy',
        nth: 1,
        times: 1,
        status: 500,
        message: OBJECT_REFERENCE,
      });

      tf.write(config({ switches: { ...POP_IMAP_SMTP, allow_basic_auth_smtp: false } }));
      const applied = await tf.apply();
      expect(applied.stdout).toMatch(/Set-AuthenticationPolicy failed \(attempt 1 of 4\)/);
      expect((await emulator.inspect.callsTo('Set-AuthenticationPolicy')).map((c) => c.status)).toEqual([500, 200]);
      const after = await record();
      expect(after).toMatchObject({
        Guid: before!.Guid,
        DistinguishedName: before!.DistinguishedName,
        AllowBasicAuthSmtp: false,
        AllowBasicAuthPop: true,
      });
      expect(await emulator.inspect.callsTo('Remove-AuthenticationPolicy')).toHaveLength(0);
      expect(await emulator.inspect.callsTo('New-AuthenticationPolicy')).toHaveLength(0);
      await tf.noChanges();
    } finally {
      tf.cleanup();
    }
  });

  test('when the defect persists: a clear error, the policy is neither deleted nor recreated, and the change stays planned', async () => {
    const tf = new TerraformWorkspace(config({ switches: POP_IMAP_SMTP }), emulator.providerEnv);
    try {
      await tf.init();
      await tf.apply();
      const before = await record();
      // Assigned, so that recreating it would visibly lose the assignment.
      await emulator.inspect.setRecipient('sean@contoso.com', { AuthenticationPolicy: NAME });
      await emulator.inspect.clearCalls();
      await emulator.inspect.addFault({
        cmdlet: 'Set-AuthenticationPolicy',
        times: 100,
        status: 500,
        message: OBJECT_REFERENCE,
      });

      tf.write(config({ switches: { ...POP_IMAP_SMTP, allow_basic_auth_smtp: false } }));
      const failed = await tf.run(['apply', '-no-color', '-input=false', '-auto-approve']);
      expect(failed.code).toBe(1);
      const output = failed.stderr.replace(/\s*│\s*/g, ' ');
      expect(output).toMatch(/Exchange Online could not update authentication policy "Contractors' POP, IMAP & SMTP"/);
      expect(output).toMatch(/failed 4 times in a row/);
      expect(output).toMatch(/known Exchange Online defect/);
      expect(output).toMatch(/does not delete and recreate it/);

      expect((await emulator.inspect.callsTo('Set-AuthenticationPolicy')).map((c) => c.status)).toEqual([
        500, 500, 500, 500,
      ]);
      expect(await emulator.inspect.callsTo('Remove-AuthenticationPolicy')).toHaveLength(0);
      expect(await emulator.inspect.callsTo('New-AuthenticationPolicy')).toHaveLength(0);
      expect(await record()).toEqual(before);
      expect((await emulator.inspect.recipient('sean@contoso.com')).AuthenticationPolicy).toBe(NAME);

      const stillPlanned = await tf.plan(2);
      expect(stillPlanned.plan.resource_changes![0].change.actions).toEqual(['update']);

      await emulator.inspect.clearFaults();
      await tf.apply();
      expect(await record()).toMatchObject({ Guid: before!.Guid, AllowBasicAuthSmtp: false });
    } finally {
      tf.cleanup();
    }
  });

  test('destroy and rename are refused while the policy is assigned or the org default, at plan and at apply time', async () => {
    const tf = new TerraformWorkspace(config({ switches: POP_IMAP_SMTP }), emulator.providerEnv);
    try {
      await tf.init();
      await tf.apply();
      await emulator.inspect.setRecipient('sean@contoso.com', { AuthenticationPolicy: NAME });
      await emulator.inspect.setRecipient('jdoe@contoso.com', { AuthenticationPolicy: NAME }); // a user without a mailbox

      const planned = await tf.run(['plan', '-destroy', '-no-color', '-input=false']);
      expect(planned.code).toBe(1);
      const refusal = planned.stderr.replace(/\s*│\s*/g, ' ');
      expect(refusal).toMatch(
        /Authentication policy "Contractors' POP, IMAP & SMTP" is in use and cannot be destroyed/,
      );
      expect(refusal).toMatch(/assigned to 2 users \(jdoe@contoso\.com, sean@contoso\.com\)/);
      expect(refusal).toMatch(/detach_on_destroy = true/);

      const destroyed = await tf.run(['destroy', '-no-color', '-input=false', '-auto-approve']);
      expect(destroyed.code).toBe(1);
      expect(await record()).toBeDefined();
      expect((await emulator.inspect.recipient('sean@contoso.com')).AuthenticationPolicy).toBe(NAME);

      // Renaming means a new policy: refused for the same reason.
      tf.write(config({ name: 'Contractors v2', switches: POP_IMAP_SMTP }));
      const renamed = await tf.run(['plan', '-no-color', '-input=false']);
      expect(renamed.code).toBe(1);
      expect(renamed.stderr.replace(/\s*│\s*/g, ' ')).toMatch(/is in use and cannot be replaced/);
      tf.write(config({ switches: POP_IMAP_SMTP }));

      // Unassigned, but the organization default.
      await emulator.inspect.setRecipient('sean@contoso.com', { AuthenticationPolicy: null });
      await emulator.inspect.setRecipient('jdoe@contoso.com', { AuthenticationPolicy: null });
      await emulator.inspect.setOrganizationConfig({ DefaultAuthenticationPolicy: NAME });
      const asDefault = await tf.run(['plan', '-destroy', '-no-color', '-input=false']);
      expect(asDefault.code).toBe(1);
      expect(asDefault.stderr.replace(/\s*│\s*/g, ' ')).toMatch(/is the organization's default authentication policy/);
      expect(await emulator.inspect.callsTo('Remove-AuthenticationPolicy')).toHaveLength(0);

      // A destroy planned while the policy was free, applied after someone assigned it: apply checks again.
      await emulator.inspect.setOrganizationConfig({ DefaultAuthenticationPolicy: null });
      await tf.expect(['plan', '-destroy', '-no-color', '-input=false', '-out=destroy.tfplan']);
      await emulator.inspect.setRecipient('akol@contoso.com', { AuthenticationPolicy: NAME });
      const late = await tf.run(['apply', '-no-color', '-input=false', 'destroy.tfplan']);
      expect(late.code).toBe(1);
      expect(late.stderr.replace(/\s*│\s*/g, ' ')).toMatch(
        /is in use and cannot be destroyed.*assigned to 1 user \(akol@contoso\.com\)/s,
      );
      expect(await record()).toBeDefined();
      expect(await emulator.inspect.callsTo('Remove-AuthenticationPolicy')).toHaveLength(0);

      await emulator.inspect.setRecipient('akol@contoso.com', { AuthenticationPolicy: null });
      await tf.destroy();
      expect(await record()).toBeUndefined();
    } finally {
      tf.cleanup();
    }
  });

  test('detach_on_destroy clears the assignments and the org default, then deletes the policy', async () => {
    const tf = new TerraformWorkspace(config({ switches: POP_IMAP_SMTP, detach: true }), emulator.providerEnv);
    try {
      await tf.init();
      await tf.apply();
      await emulator.inspect.setRecipient('sean@contoso.com', { AuthenticationPolicy: NAME });
      await emulator.inspect.setRecipient('chris@contoso.com', { AuthenticationPolicy: NAME });
      await emulator.inspect.setRecipient('akol@contoso.com', { AuthenticationPolicy: null });
      await emulator.inspect.setOrganizationConfig({ DefaultAuthenticationPolicy: NAME });

      const planned = await tf.expect(['plan', '-destroy', '-no-color', '-input=false']);
      expect(planned.stdout.replace(/\s*│\s*/g, ' ')).toMatch(/detaches it first/);

      await tf.destroy();
      const tenant = await emulator.inspect.tenant();
      expect(tenant.authenticationPolicies).toEqual([]);
      expect(tenant.organizationConfig.DefaultAuthenticationPolicy).toBeNull();
      expect(tenant.recipients.filter((r) => r.AuthenticationPolicy !== null)).toEqual([]);
      expect((await emulator.inspect.callsTo('Set-User')).map((c) => c.parameters.AuthenticationPolicy)).toEqual([
        null,
        null,
      ]);
    } finally {
      tf.cleanup();
    }
  });

  test('import by name, with the CLI and with an import block and -generate-config-out', async () => {
    await emulator.inspect.invoke('New-AuthenticationPolicy', {
      Name: NAME,
      AllowBasicAuthSmtp: true,
      AllowBasicAuthPop: true,
    });
    const existing = await record();
    const tf = new TerraformWorkspace(
      config({ switches: { allow_basic_auth_smtp: true, allow_basic_auth_pop: true } }),
      emulator.providerEnv,
    );
    try {
      await tf.init();
      // Creating it again fails the plan, and says how to adopt it.
      const duplicate = await tf.run(['plan', '-no-color', '-input=false']);
      expect(duplicate.code).toBe(1);
      expect(duplicate.stderr.replace(/\s*│\s*/g, ' ')).toMatch(/already exists.*import.*block.*terraform import/s);

      const revision = (await emulator.inspect.tenant()).revision;
      await tf.expect(['import', '-no-color', '-input=false', ADDRESS, NAME]);
      expect(await tf.resourceValues(ADDRESS)).toMatchObject({
        id: existing!.Guid.toLowerCase(),
        name: NAME,
        allow_basic_auth_smtp: true,
        allow_basic_auth_pop: true,
        allow_basic_auth_imap: false,
        detach_on_destroy: false,
      });
      expect((await emulator.inspect.tenant()).revision).toBe(revision); // import only reads
      await tf.noChanges();

      tf.write({
        'other.tf': 'resource "exchangeonline_authentication_policy" "other" {\n  name = "No such policy"\n}\n',
      });
      const missing = await tf.run([
        'import',
        '-no-color',
        '-input=false',
        'exchangeonline_authentication_policy.other',
        'No such policy',
      ]);
      expect(missing.code).toBe(1);
      expect(missing.stderr.replace(/\s*│\s*/g, ' ')).toMatch(/Authentication policy "No such policy" not found/);
    } finally {
      tf.cleanup();
    }

    const generated = new TerraformWorkspace(
      {
        'main.tf': `${REQUIRED_PROVIDERS}\nprovider "exchangeonline" {}\n\nimport {\n  to = ${ADDRESS}\n  id = ${JSON.stringify(NAME)}\n}\n`,
      },
      emulator.providerEnv,
    );
    try {
      await generated.init();
      const planned = await generated.plan(2, ['-generate-config-out=generated.tf']);
      expect(planned.plan.resource_changes![0].change.importing).toBeDefined();
      const hcl = generated.read('generated.tf');
      expect(hcl).toMatch(/resource "exchangeonline_authentication_policy" "legacy" \{/);
      expect(hcl).toContain(JSON.stringify(NAME));
      expect(hcl).toMatch(/allow_basic_auth_smtp\s*=\s*true/);
      expect(hcl).toMatch(/allow_basic_auth_rpc\s*=\s*false/);
      expect(hcl).toMatch(/detach_on_destroy\s*=\s*false/);
      await generated.apply();
      await generated.noChanges();
      expect((await record())!.Guid).toBe(existing!.Guid);
    } finally {
      generated.cleanup();
    }
  });
});
