/**
 * Objects deleted outside Terraform, end to end with the real terraform and the emulator, over both bridges (the
 * same definitions run once over REST and once over the PowerShell bridge's stand-in): a mailbox under the single
 * override and under the list, a user with a policy, a policy while assigned, the organization default policy.
 * For each: `terraform plan` warns once, naming the object, that it was deleted outside Terraform and is gone from
 * the state, with the fix (remove the block or a `removed` block) and no spelling hint; it never fails; and
 * `terraform destroy` succeeds (Terraform plans the configuration, refreshing first, before every destroy).
 */
import { TerraformWorkspace, flatOutput, mainTf, type PlanJson, type RunResult } from '../support/terraform';
import { DEMO_TENANT, bridgeEnvironment, startTestEmulator, type TestEmulator } from '../support/emulator';

/**
 * What every plan of a configuration still naming a vanished object shows: one warning naming it, saying it is gone
 * from the state, with the fix; no error and no spelling hint.
 */
function expectVanishedWarning(result: RunResult, summary: string, fix: RegExp = REMOVE_BLOCK): void {
  const text = flatOutput(result);
  // Each warning's own text (up to the next warning), so plans that warn about several objects check each one.
  const own = text.split('Warning: ').filter((part) => part.startsWith(summary));
  expect(own.map((part) => part.slice(0, summary.length))).toEqual([summary]); // exactly once
  expect(own[0]).toMatch(/gone from (the|this list's) state/);
  expect(own[0]).toMatch(fix);
  expect(text).not.toMatch(/Error:/);
  expect(text).not.toMatch(/spelling|Check the name/i);
}

const REMOVE_BLOCK = /Remove its resource block from the configuration, or replace the block with a `removed` block/;

function deleteRecipient(emulator: TestEmulator, identity: string): Promise<unknown> {
  return emulator.inspect.request(
    'DELETE',
    `/_emulator/tenants/${encodeURIComponent(DEMO_TENANT)}/recipients/${encodeURIComponent(identity)}`,
  );
}

describe.each(['rest', 'powershell'])('objects deleted outside Terraform, over the %s bridge', (bridge) => {
  let emulator: TestEmulator;
  let env: Record<string, string>;
  beforeEach(async () => {
    emulator = await startTestEmulator();
    // EXO_BRIDGE set either way, so `npm run test:powershell` (which exports it) still runs the REST half over REST.
    env = { ...emulator.providerEnv, EXO_BRIDGE: 'rest', ...bridgeEnvironment(bridge) };
  });
  afterEach(async () => {
    await emulator.stop();
  });

  /** Applies `files`, runs `vanish`, checks the plan's warning, then that destroy (and its plan) succeed. */
  async function vanishThenDestroy(
    files: Record<string, string>,
    vanish: () => Promise<unknown>,
    summary: string,
    checkPlan: (planned: Awaited<ReturnType<TerraformWorkspace['plan']>>) => void,
    fix?: RegExp,
    fixed?: Record<string, string>,
  ): Promise<void> {
    const tf = new TerraformWorkspace(files, env);
    try {
      await tf.init();
      await tf.apply();
      await vanish();
      const planned = await tf.plan(2);
      expectVanishedWarning(planned.result, summary, fix);
      checkPlan(planned);
      if (fixed) {
        // The fix the warning gives plans no change (the refresh warns until an apply stores the state without it);
        // then back to the configuration that still names it.
        tf.write(fixed);
        expect(Object.values(actions(await tf.plan(0)))).toEqual([['no-op']]);
        tf.write(files);
      }
      // Terraform plans the configuration (refreshing first) before destroying: that plan must not fail either.
      const destroyed = await tf.destroy();
      expect(flatOutput(destroyed)).not.toMatch(/Error:/);
      expect(flatOutput(destroyed)).toMatch(/Destroy complete!/);
      expect(tf.stateResources()).toEqual([]);
    } finally {
      tf.cleanup();
    }
  }

  const actions = (planned: { plan: PlanJson }): Record<string, string[]> =>
    Object.fromEntries(planned.plan.resource_changes!.map((c) => [c.address, c.change.actions]));

  test('a mailbox with a single override', async () => {
    await vanishThenDestroy(
      mainTf(SEAN_AND_CHRIS),
      () => deleteRecipient(emulator, 'sean@contoso.com'),
      'Mailbox "sean@contoso.com" was deleted outside Terraform',
      (planned) =>
        expect(actions(planned)).toEqual({
          'exchangeonline_mailbox_smtp_auth.sean': ['create'],
          'exchangeonline_mailbox_smtp_auth.chris': ['no-op'],
        }),
      undefined,
      mainTf(`removed {
  from = exchangeonline_mailbox_smtp_auth.sean
}
resource "exchangeonline_mailbox_smtp_auth" "chris" {
  identity                            = "chris@contoso.com"
  smtp_client_authentication_disabled = true
}
`),
    );
    expect((await emulator.inspect.recipient('chris@contoso.com')).SmtpClientAuthenticationDisabled).toBeNull();
  });

  // Four kinds of object in one configuration, applied once, all deleted, then one plan and one destroy: each
  // object's warning and planned action is checked on its own, and the destroy must get past all of them.
  test('a mailbox in a list, a user assigned a policy, a policy deleted while assigned, the organization default', async () => {
    await createOutsidePolicies(emulator);
    const tf = new TerraformWorkspace(mainTf(FOUR_KINDS), env);
    try {
      await tf.init();
      await tf.apply();
      await deleteRecipient(emulator, 'akol@contoso.com');
      await deleteRecipient(emulator, 'scanner@contoso.com');
      await emulator.inspect.invoke('Remove-AuthenticationPolicy', { Identity: 'Kept Outside' });
      await emulator.inspect.invoke('Remove-AuthenticationPolicy', { Identity: 'Org Default Outside' });

      const planned = await tf.plan(2);
      // A mailbox in a list: the list is updated, and its out_of_sync names the mailbox only until the apply.
      expectVanishedWarning(
        planned.result,
        'Mailbox "akol@contoso.com" was deleted outside Terraform',
        /Remove it from `identities` \(or from the file `provider::exchangeonline::mailbox_list\(file\(\.\.\.\)\)` reads\)/,
      );
      const list = planned.plan.resource_changes!.find(
        (c) => c.address === 'exchangeonline_mailbox_smtp_auth_list.allowed',
      )!.change;
      expect(list.actions).toEqual(['update']);
      expect([list.before.out_of_sync, list.after.out_of_sync]).toEqual([{ 'akol@contoso.com': 'deleted' }, {}]);
      // A user assigned a policy, a policy deleted while assigned, the organization default: each planned again.
      expectVanishedWarning(planned.result, 'User "scanner@contoso.com" was deleted outside Terraform');
      expectVanishedWarning(planned.result, 'Authentication policy "Kept Outside" was deleted outside Terraform');
      expectVanishedWarning(
        planned.result,
        'Authentication policy "Org Default Outside" was deleted outside Terraform',
      );
      expect(actions(planned)).toEqual({
        'exchangeonline_mailbox_smtp_auth_list.allowed': ['update'],
        'exchangeonline_authentication_policy.legacy': ['no-op'],
        'exchangeonline_authentication_policy_assignment.scanner': ['create'],
        'exchangeonline_authentication_policy_assignment.kim': ['create'],
        'exchangeonline_default_authentication_policy.org': ['create'],
      });

      // Terraform plans the configuration (refreshing first) before destroying: that plan must not fail either.
      const destroyed = await tf.destroy();
      expect(flatOutput(destroyed)).not.toMatch(/Error:/);
      expect(flatOutput(destroyed)).toMatch(/Destroy complete!/);
      expect(tf.stateResources()).toEqual([]);
      expect((await emulator.inspect.recipient('tjohnston@contoso.com')).SmtpClientAuthenticationDisabled).toBeNull();
      expect(await emulator.inspect.authenticationPolicy('Scanner Basic SMTP')).toBeUndefined();
      expect((await emulator.inspect.recipient('kakers@contoso.com')).AuthenticationPolicy).toBeNull();
    } finally {
      tf.cleanup();
    }
  });

  test('a policy managed here, deleted while assigned: the plan recreates both, and applying restores them', async () => {
    const tf = new TerraformWorkspace(
      mainTf(`resource "exchangeonline_authentication_policy" "legacy" {
  name                  = "Managed Here"
  allow_basic_auth_smtp = true
  allow_basic_auth_pop  = true
}
resource "exchangeonline_authentication_policy_assignment" "scanner" {
  user                  = "scanner@contoso.com"
  authentication_policy = exchangeonline_authentication_policy.legacy.name
}
`),
      env,
    );
    try {
      await tf.init();
      await tf.apply();
      await emulator.inspect.invoke('Remove-AuthenticationPolicy', { Identity: 'Managed Here' });
      const planned = await tf.plan(2);
      expectVanishedWarning(
        planned.result,
        'Authentication policy "Managed Here" was deleted outside Terraform',
        /This configuration creates the policy again/,
      );
      expect(flatOutput(planned.result)).not.toMatch(/Remove its resource block/);
      expect(planned.result.stdout.replace(/\s*│\s*/g, ' ')).toMatch(/no longer exists/);
      expect(actions(planned)).toEqual({
        'exchangeonline_authentication_policy.legacy': ['create'],
        'exchangeonline_authentication_policy_assignment.scanner': ['create'],
      });
      await tf.apply();
      expect((await emulator.inspect.recipient('scanner@contoso.com')).AuthenticationPolicy).toBe('Managed Here');
      // Created again as configured (authentication-policy.test.ts had this case on its own).
      expect(await emulator.inspect.authenticationPolicy('Managed Here')).toMatchObject({
        AllowBasicAuthSmtp: true,
        AllowBasicAuthPop: true,
      });
      await tf.noChanges();
    } finally {
      tf.cleanup();
    }
  });

  test('a renamed mailbox: the single resource follows its GUID; the list follows a kept old address, else reports it deleted', async () => {
    const tf = new TerraformWorkspace(
      mainTf(`resource "exchangeonline_mailbox_smtp_auth" "sean" {
  identity                            = "sean@contoso.com"
  smtp_client_authentication_disabled = true
}
resource "exchangeonline_mailbox_smtp_auth_list" "allowed" {
  identities                          = { "chris@contoso.com" = "", "akol@contoso.com" = "" }
  smtp_client_authentication_disabled = false
}
`),
      env,
    );
    const rename = (from: string, to: string, keepOld: boolean): Promise<unknown> =>
      emulator.inspect.setRecipient(from, {
        UserPrincipalName: to,
        PrimarySmtpAddress: to,
        EmailAddresses: [`SMTP:${to}`, ...(keepOld ? [`smtp:${from}`] : [])],
      });
    try {
      await tf.init();
      await tf.apply();
      await rename('sean@contoso.com', 'sean.murphy@contoso.com', false);
      await rename('chris@contoso.com', 'chris.new@contoso.com', true);
      await rename('akol@contoso.com', 'akol.new@contoso.com', false);

      const planned = await tf.plan(2);
      const byAddress = Object.fromEntries(planned.plan.resource_changes!.map((c) => [c.address, c.change]));
      expect(byAddress['exchangeonline_mailbox_smtp_auth.sean'].actions).toEqual(['no-op']);
      expect(byAddress['exchangeonline_mailbox_smtp_auth.sean'].before.primary_smtp_address).toBe(
        'sean.murphy@contoso.com',
      );
      expect(byAddress['exchangeonline_mailbox_smtp_auth_list.allowed'].before.out_of_sync).toEqual({
        'akol@contoso.com': 'deleted',
      });
      expectVanishedWarning(
        planned.result,
        'Mailbox "akol@contoso.com" was deleted outside Terraform',
        /Remove it from `identities`/,
      );

      await tf.destroy();
      // Sean by GUID and Chris by the address he kept go back to inherit; the list lost track of Akol.
      const after = await emulator.inspect.tenant();
      const setting = (upn: string): unknown =>
        after.recipients.find((r) => r.UserPrincipalName === upn)!.SmtpClientAuthenticationDisabled;
      expect([
        setting('sean.murphy@contoso.com'),
        setting('chris.new@contoso.com'),
        setting('akol.new@contoso.com'),
      ]).toEqual([null, null, false]);
    } finally {
      tf.cleanup();
    }
  });
});

/** A list member, a user assigned a policy, a policy assigned while it exists, and the organization default. */
const FOUR_KINDS = `resource "exchangeonline_mailbox_smtp_auth_list" "allowed" {
  identities                          = { "akol@contoso.com" = "", "tjohnston@contoso.com" = "" }
  smtp_client_authentication_disabled = false
}
resource "exchangeonline_authentication_policy" "legacy" {
  name                  = "Scanner Basic SMTP"
  allow_basic_auth_smtp = true
}
resource "exchangeonline_authentication_policy_assignment" "scanner" {
  user                  = "scanner@contoso.com"
  authentication_policy = exchangeonline_authentication_policy.legacy.name
}
resource "exchangeonline_authentication_policy_assignment" "kim" {
  user                  = "kakers@contoso.com"
  authentication_policy = "Kept Outside"
}
resource "exchangeonline_default_authentication_policy" "org" {
  authentication_policy = "Org Default Outside"
}
`;

/** Two mailbox overrides: sean is deleted outside Terraform, chris stays. */
const SEAN_AND_CHRIS = `resource "exchangeonline_mailbox_smtp_auth" "sean" {
  identity                            = "sean@contoso.com"
  smtp_client_authentication_disabled = true
}
resource "exchangeonline_mailbox_smtp_auth" "chris" {
  identity                            = "chris@contoso.com"
  smtp_client_authentication_disabled = true
}
`;

/** The two policies FOUR_KINDS names but does not manage, made outside Terraform. */
async function createOutsidePolicies(emulator: TestEmulator): Promise<void> {
  await emulator.inspect.invoke('New-AuthenticationPolicy', { Name: 'Kept Outside' });
  await emulator.inspect.invoke('New-AuthenticationPolicy', { Name: 'Org Default Outside' });
}

describe('a deleted mailbox still declared after an apply stored the state without it', () => {
  let emulator: TestEmulator;
  beforeEach(async () => {
    emulator = await startTestEmulator();
  });
  afterEach(async () => {
    await emulator.stop();
  });

  // A later process cannot tell this mailbox from a typo (nothing in the state names it any more), so its plan-time
  // lookup fails as for a new identity; the error then says how to destroy the rest, and that works.
  test('applying fails for it, and the error names the way to destroy the rest', async () => {
    const tf = new TerraformWorkspace(mainTf(SEAN_AND_CHRIS), { ...emulator.providerEnv, EXO_BRIDGE: 'rest' });
    try {
      await tf.init();
      await tf.apply();
      await deleteRecipient(emulator, 'sean@contoso.com');
      const applied = await tf.run(['apply', '-no-color', '-input=false', '-auto-approve']);
      expect(applied.code).toBe(1);
      expect(flatOutput(applied)).toContain('Warning: Mailbox "sean@contoso.com" was deleted outside Terraform');
      expect(flatOutput(applied)).toContain(
        'If Terraform managed this mailbox before, it was deleted outside Terraform',
      );
      expect(flatOutput(applied)).toContain('`terraform destroy` destroys the rest meanwhile');
      expect(flatOutput(applied)).toContain('such as on Windows, add `-refresh=false`');

      const destroyed = await tf.expect(['destroy', '-refresh=false', '-no-color', '-input=false', '-auto-approve']);
      expect(flatOutput(destroyed)).toMatch(/Destroy complete! Resources: 1 destroyed/);
      expect((await emulator.inspect.recipient('chris@contoso.com')).SmtpClientAuthenticationDisabled).toBeNull();
    } finally {
      tf.cleanup();
    }
  });
});

// After an apply stored the state without the deleted objects, a plan of the configuration cannot tell them from
// typos and fails, as an apply's plan must; Terraform makes that same plan before every destroy (the pre-destroy
// refresh), and the provider lets it pass only there, by the command that started it (destroy-command.ts).
describe('plain `terraform destroy` after an apply stored the state without deleted objects', () => {
  let emulator: TestEmulator;
  beforeEach(async () => {
    emulator = await startTestEmulator();
  });
  afterEach(async () => {
    await emulator.stop();
  });

  test.each([
    ['terraform destroy', ['destroy']],
    ['terraform destroy -refresh=false', ['destroy', '-refresh=false']],
    ['terraform apply -destroy', ['apply', '-destroy']],
  ])('%s destroys the rest', async (_name, command) => {
    await createOutsidePolicies(emulator);
    const tf = new TerraformWorkspace(mainTf(SEAN_AND_CHRIS + FOUR_KINDS), {
      ...emulator.providerEnv,
      EXO_BRIDGE: 'rest',
    });
    try {
      await tf.init();
      await tf.apply();
      await deleteRecipient(emulator, 'sean@contoso.com');
      await deleteRecipient(emulator, 'akol@contoso.com');
      await deleteRecipient(emulator, 'scanner@contoso.com');
      await emulator.inspect.invoke('Remove-AuthenticationPolicy', { Identity: 'Kept Outside' });
      await emulator.inspect.invoke('Remove-AuthenticationPolicy', { Identity: 'Org Default Outside' });

      // The apply warns about each, fails for those still declared, and stores the state without them.
      const applied = await tf.run(['apply', '-no-color', '-input=false', '-auto-approve']);
      expect(applied.code).toBe(1);
      const gone = [
        'exchangeonline_mailbox_smtp_auth.sean',
        'exchangeonline_authentication_policy_assignment.scanner',
        'exchangeonline_authentication_policy_assignment.kim',
        'exchangeonline_default_authentication_policy.org',
      ];
      const addresses = tf
        .stateResources()
        .filter((r) => r.instances.length > 0)
        .map((r) => `${r.type}.${r.name}`);
      expect(addresses.filter((address) => gone.includes(address))).toEqual([]);
      expect(addresses.sort()).toEqual([
        'exchangeonline_authentication_policy.legacy',
        'exchangeonline_mailbox_smtp_auth.chris',
        'exchangeonline_mailbox_smtp_auth_list.allowed',
      ]);

      // From now on an apply's plan fails for each, as for a typo (nothing names them in the state), naming the
      // setting and that `terraform destroy` destroys the rest meanwhile.
      const planned = await tf.run(['plan', '-no-color', '-input=false']);
      expect(planned.code).toBe(1);
      const errors = flatOutput(planned)
        .split('Error: ')
        .slice(1)
        .map((part) => part.slice(0, part.indexOf(' with ')));
      expect(errors.sort()).toEqual(
        [
          'Authentication policy "Kept Outside" not found',
          'Authentication policy "Org Default Outside" not found',
          'Mailbox "sean@contoso.com" not found',
          'User "scanner@contoso.com" not found',
        ].sort(),
      );
      expect(flatOutput(planned).split('`terraform destroy` destroys the rest meanwhile').length - 1).toBe(4);
      expect(flatOutput(planned)).toMatch(/Check the spelling/);

      // The destroy the errors name needs no flag: it destroys the rest.
      const destroyed = await tf.expect([...command, '-no-color', '-input=false', '-auto-approve']);
      expect(flatOutput(destroyed)).not.toMatch(/Error:/);
      expect(flatOutput(destroyed)).toMatch(
        /(Destroy complete! Resources:|Apply complete! Resources: 0 added, 0 changed,) 3 destroyed/,
      );
      expect(tf.stateResources()).toEqual([]);
      expect((await emulator.inspect.recipient('chris@contoso.com')).SmtpClientAuthenticationDisabled).toBeNull();
      expect((await emulator.inspect.recipient('tjohnston@contoso.com')).SmtpClientAuthenticationDisabled).toBeNull();
      expect(await emulator.inspect.authenticationPolicy('Scanner Basic SMTP')).toBeUndefined();
    } finally {
      tf.cleanup();
    }
  });
});
