/**
 * exchangeonline_authentication_policy_assignment end to end with the real terraform and the emulator: the seeds'
 * scenario (a policy allowing Basic POP/IMAP/SMTP, assigned to a user, refresh tokens revoked), no-op plan, drift
 * (policy removed or changed behind Terraform's back), moving to another policy, import, a user that disappears,
 * and a whole-configuration destroy that removes assignments before their policies.
 */
import { REQUIRED_PROVIDERS, TerraformWorkspace } from '../support/terraform';
import { startTestEmulator, type TestEmulator } from '../support/emulator';

const ADDRESS = 'exchangeonline_authentication_policy_assignment.scanner';
const LEGACY = "Scanner's Basic POP/IMAP/SMTP";
const BLOCK = 'Block Basic Auth';

function config(
  assignment: { policy: 'legacy' | 'block'; revoke?: boolean; user?: string } | null,
): Record<string, string> {
  const block =
    assignment === null
      ? ''
      : `resource "exchangeonline_authentication_policy_assignment" "scanner" {
  user                  = ${JSON.stringify(assignment.user ?? 'scanner@contoso.com')}
  authentication_policy = exchangeonline_authentication_policy.${assignment.policy}.name
${assignment.revoke === undefined ? '' : `  revoke_refresh_tokens = ${assignment.revoke}\n`}}
`;
  return {
    'main.tf': `${REQUIRED_PROVIDERS}
provider "exchangeonline" {}

resource "exchangeonline_authentication_policy" "legacy" {
  name                  = ${JSON.stringify(LEGACY)}
  allow_basic_auth_pop  = true
  allow_basic_auth_imap = true
  allow_basic_auth_smtp = true
}

resource "exchangeonline_authentication_policy" "block" {
  name = ${JSON.stringify(BLOCK)}
}

${block}`,
  };
}

/** Whole seconds, as Exchange stores STSRefreshTokensValidFrom. */
const secondsAgo = (ms: number): number => Math.floor(ms / 1000) * 1000;

describe('exchangeonline_authentication_policy_assignment', () => {
  let emulator: TestEmulator;
  beforeEach(async () => {
    emulator = await startTestEmulator();
  });
  afterEach(async () => {
    await emulator.stop();
  });

  test("the seeds' scenario and its lifecycle: assign with revoked tokens, drift, move, toggle, destroy everything", async () => {
    const tf = new TerraformWorkspace(config({ policy: 'legacy', revoke: true }), emulator.providerEnv);
    try {
      await tf.init();
      const seededTokens = (await emulator.inspect.recipient('scanner@contoso.com')).STSRefreshTokensValidFrom;
      const planned = await tf.plan(2);
      const change = planned.plan.resource_changes!.find((c) => c.address === ADDRESS)!;
      expect(change.change.after).toMatchObject({
        user: 'scanner@contoso.com',
        user_principal_name: 'scanner@contoso.com',
        revoke_refresh_tokens: true,
      });
      expect(change.change.after_unknown).toMatchObject({
        refresh_tokens_revoked_at: true,
        authentication_policy_guid: true,
      });

      const start = secondsAgo(Date.now());
      await tf.apply();
      const policy = await emulator.inspect.authenticationPolicy(LEGACY);
      expect(policy).toMatchObject({
        AllowBasicAuthPop: true,
        AllowBasicAuthImap: true,
        AllowBasicAuthSmtp: true,
        AllowBasicAuthMapi: false,
      });
      const scanner = await emulator.inspect.recipient('scanner@contoso.com');
      expect(scanner.AuthenticationPolicy).toBe(LEGACY);
      expect(scanner.STSRefreshTokensValidFrom).not.toBe(seededTokens);
      expect(Date.parse(scanner.STSRefreshTokensValidFrom)).toBeGreaterThanOrEqual(start);
      const state = await tf.resourceValues(ADDRESS);
      expect(state).toMatchObject({
        id: scanner.Guid.toLowerCase(),
        user: 'scanner@contoso.com',
        authentication_policy: LEGACY,
        authentication_policy_guid: policy!.Guid.toLowerCase(),
        revoke_refresh_tokens: true,
        user_principal_name: 'scanner@contoso.com',
      });
      expect(state.refresh_tokens_revoked_at).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
      expect(Date.parse(state.refresh_tokens_revoked_at as string)).toBeGreaterThanOrEqual(start);
      // Other users are untouched.
      expect((await emulator.inspect.recipient('sean@contoso.com')).AuthenticationPolicy).toBeNull();

      const revision = (await emulator.inspect.tenant()).revision;
      await tf.noChanges();
      expect((await emulator.inspect.tenant()).revision).toBe(revision);

      // Someone removes the user's policy in PowerShell: the plan puts it back (and revokes again).
      await emulator.inspect.setRecipient('scanner@contoso.com', {
        AuthenticationPolicy: null,
        STSRefreshTokensValidFrom: '2020-01-01T00:00:00Z',
      });
      const removed = await tf.plan(2);
      const repair = removed.plan.resource_changes!.find((c) => c.address === ADDRESS)!;
      expect(repair.change.actions).toEqual(['update']);
      expect([repair.change.before.authentication_policy, repair.change.after.authentication_policy]).toEqual([
        null,
        LEGACY,
      ]);
      expect(removed.plan.resource_drift?.map((d) => d.address)).toEqual([ADDRESS]);
      await tf.apply();
      const repaired = await emulator.inspect.recipient('scanner@contoso.com');
      expect(repaired.AuthenticationPolicy).toBe(LEGACY);
      expect(Date.parse(repaired.STSRefreshTokensValidFrom)).toBeGreaterThanOrEqual(start);

      // Someone moves the user to another policy.
      await emulator.inspect.setRecipient('scanner@contoso.com', { AuthenticationPolicy: BLOCK });
      const moved = await tf.plan(2);
      const back = moved.plan.resource_changes!.find((c) => c.address === ADDRESS)!;
      expect([back.change.before.authentication_policy, back.change.after.authentication_policy]).toEqual([
        BLOCK,
        LEGACY,
      ]);
      await tf.apply();
      expect((await emulator.inspect.recipient('scanner@contoso.com')).AuthenticationPolicy).toBe(LEGACY);
      await tf.noChanges();

      // Move to the blocking policy in place: one Set-User with the policy and the revocation.
      await emulator.inspect.clearCalls();
      tf.write(config({ policy: 'block', revoke: true }));
      // Planned and applied as an in-place update: apply prints the plan it carries out.
      const update = await tf.apply();
      expect(update.stdout).toContain(`# ${ADDRESS} will be updated in-place`);
      expect((await emulator.inspect.recipient('scanner@contoso.com')).AuthenticationPolicy).toBe(BLOCK);
      const setUser = await emulator.inspect.callsTo('Set-User');
      expect(setUser).toHaveLength(1);
      expect(Object.keys(setUser[0].parameters).sort()).toEqual([
        'AuthenticationPolicy',
        'Identity',
        'STSRefreshTokensValidFrom',
      ]);
      expect(await tf.resourceValues(ADDRESS)).toMatchObject({
        id: scanner.Guid.toLowerCase(),
        authentication_policy: BLOCK,
      });

      // Turning revocation off changes nothing in Exchange.
      await emulator.inspect.clearCalls();
      tf.write(config({ policy: 'block', revoke: false }));
      await tf.apply();
      expect(await emulator.inspect.callsTo('Set-User')).toHaveLength(0);
      await tf.noChanges();

      // Destroying everything removes the assignment before its policy, so nothing is refused (destroy plans first).
      await tf.destroy();
      const tenant = await emulator.inspect.tenant();
      expect(tenant.authenticationPolicies).toEqual([]);
      expect(
        tenant.recipients.find((r) => r.UserPrincipalName === 'scanner@contoso.com')!.AuthenticationPolicy,
      ).toBeNull();
    } finally {
      tf.cleanup();
    }
  });

  test("destroying only the assignment clears the user's policy and keeps the policies", async () => {
    const tf = new TerraformWorkspace(config({ policy: 'legacy' }), emulator.providerEnv);
    try {
      await tf.init();
      await tf.apply();
      const before = await emulator.inspect.recipient('scanner@contoso.com');
      expect(before.AuthenticationPolicy).toBe(LEGACY);
      expect(await tf.resourceValues(ADDRESS)).toMatchObject({
        revoke_refresh_tokens: false,
        refresh_tokens_revoked_at: null,
      });

      tf.write(config(null));
      const planned = await tf.plan(2);
      expect(
        planned.plan
          .resource_changes!.filter((c) => c.change.actions[0] !== 'no-op')
          .map((c) => [c.address, c.change.actions]),
      ).toEqual([[ADDRESS, ['delete']]]);
      await tf.apply();
      const after = await emulator.inspect.recipient('scanner@contoso.com');
      expect(after.AuthenticationPolicy).toBeNull();
      expect(after.STSRefreshTokensValidFrom).toBe(before.STSRefreshTokensValidFrom); // revoke_refresh_tokens was off
      expect(await emulator.inspect.authenticationPolicy(LEGACY)).toBeDefined();
    } finally {
      tf.cleanup();
    }
  });

  test('import by user identity, with the CLI and with an import block and -generate-config-out', async () => {
    await emulator.inspect.invoke('New-AuthenticationPolicy', { Name: LEGACY, AllowBasicAuthSmtp: true });
    await emulator.inspect.setRecipient('chris@contoso.com', { AuthenticationPolicy: LEGACY });
    const literal = (user: string): Record<string, string> => ({
      'main.tf': `${REQUIRED_PROVIDERS}
provider "exchangeonline" {}

resource "exchangeonline_authentication_policy_assignment" "chris" {
  user                  = ${JSON.stringify(user)}
  authentication_policy = ${JSON.stringify(LEGACY)}
}
`,
    });
    const tf = new TerraformWorkspace(literal('chris@contoso.com'), emulator.providerEnv);
    try {
      await tf.init();
      const revision = (await emulator.inspect.tenant()).revision;
      await tf.expect([
        'import',
        '-no-color',
        '-input=false',
        'exchangeonline_authentication_policy_assignment.chris',
        'chris@contoso.com',
      ]);
      const chris = await emulator.inspect.recipient('chris@contoso.com');
      expect(await tf.resourceValues('exchangeonline_authentication_policy_assignment.chris')).toMatchObject({
        id: chris.Guid.toLowerCase(),
        user: 'chris@contoso.com',
        authentication_policy: LEGACY,
        revoke_refresh_tokens: false,
        refresh_tokens_revoked_at: null,
      });
      expect((await emulator.inspect.tenant()).revision).toBe(revision);
      await tf.noChanges();

      tf.write({
        'sean.tf': `resource "exchangeonline_authentication_policy_assignment" "sean" {\n  user = "sean@contoso.com"\n  authentication_policy = ${JSON.stringify(LEGACY)}\n}\n`,
      });
      const nothing = await tf.run([
        'import',
        '-no-color',
        '-input=false',
        'exchangeonline_authentication_policy_assignment.sean',
        'sean@contoso.com',
      ]);
      expect(nothing.code).toBe(1);
      expect(nothing.stderr.replace(/\s*│\s*/g, ' ')).toMatch(/User "sean@contoso.com" has no authentication policy/);
    } finally {
      tf.cleanup();
    }

    const generated = new TerraformWorkspace(
      {
        'main.tf': `${REQUIRED_PROVIDERS}
provider "exchangeonline" {}

import {
  to = exchangeonline_authentication_policy_assignment.chris
  id = "chris@contoso.com"
}
`,
      },
      emulator.providerEnv,
    );
    try {
      await generated.init();
      const planned = await generated.plan(2, ['-generate-config-out=generated.tf']);
      expect(planned.plan.resource_changes![0].change.importing).toBeDefined();
      const hcl = generated.read('generated.tf');
      expect(hcl).toMatch(/resource "exchangeonline_authentication_policy_assignment" "chris" \{/);
      expect(hcl).toMatch(/user\s*=\s*"chris@contoso.com"/);
      expect(hcl).toContain(JSON.stringify(LEGACY));
      expect(hcl).toMatch(/revoke_refresh_tokens\s*=\s*false/);
      await generated.apply();
      await generated.noChanges();
      expect((await emulator.inspect.recipient('chris@contoso.com')).AuthenticationPolicy).toBe(LEGACY);
    } finally {
      generated.cleanup();
    }
  });

  test('a user that disappears is removed from state with a warning; an unknown user fails the plan', async () => {
    const tf = new TerraformWorkspace(config({ policy: 'legacy' }), emulator.providerEnv);
    try {
      await tf.init();
      await tf.apply();
      // The next Get-User answers as for a deleted user (ManagementObjectNotFoundException).
      await emulator.inspect.addFault({ cmdlet: 'Get-User', nth: 1, times: 1, status: 404 });
      const planned = await tf.plan(2);
      expect(planned.result.stdout.replace(/\s*│\s*/g, ' ')).toMatch(
        /User "scanner@contoso.com" was deleted outside Terraform/,
      );
      expect(planned.plan.resource_changes!.find((c) => c.address === ADDRESS)!.change.actions).toEqual(['create']);

      tf.write(config({ policy: 'legacy', user: 'nobody@contoso.com' }));
      const unknown = await tf.run(['plan', '-no-color', '-input=false']);
      expect(unknown.code).toBe(1);
      expect(unknown.stderr.replace(/\s*│\s*/g, ' ')).toMatch(/User "nobody@contoso.com" not found/);
    } finally {
      tf.cleanup();
    }
  });
});
