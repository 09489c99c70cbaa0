/**
 * R6: Terraform's contract under concurrent writers and stale reads, with the real terraform.
 * - A saved plan applied after another writer changed the tenant: no "inconsistent result after apply".
 * - 12 concurrent applies of two configurations against one tenant: 0 inconsistent-result errors.
 * - With 3 s of replication lag (reads see the tenant as it was 3 s ago), the plan right after an apply is empty and
 *   "set 100 mailboxes, then back to inherit" really returns all 100 to inherit.
 */
import { cpSync } from 'node:fs';
import { join } from 'node:path';
import { REQUIRED_PROVIDERS, TerraformWorkspace } from '../support/terraform';
import { startTestEmulator, DEMO_TENANT, type TestEmulator } from '../support/emulator';

function transportTf(settings: string): string {
  return `${REQUIRED_PROVIDERS}
provider "exchangeonline" {}

resource "exchangeonline_transport_config" "org" {
${settings}
}
`;
}

describe('concurrent writers and replication lag (R6)', () => {
  let emulator: TestEmulator;
  beforeAll(async () => {
    emulator = await startTestEmulator({
      seed: { tenants: [{ domain: DEMO_TENANT, generatedMailboxes: 100 }] },
    });
  });
  afterAll(async () => {
    await emulator.stop();
  });

  test('a saved plan applied after another writer changed what it leaves out: no inconsistent result', async () => {
    const tf = new TerraformWorkspace(
      { 'main.tf': transportTf('  smtp_client_authentication_disabled = false') },
      emulator.providerEnv,
    );
    try {
      await tf.init();
      await tf.apply();
      tf.write({ 'main.tf': transportTf('  smtp_client_authentication_disabled = true') });
      const { plan } = await tf.plan(2);
      expect(plan.resource_changes![0].change.after_unknown.allow_legacy_tls_clients).toBe(true);
      await emulator.inspect.setTransportConfig({ AllowLegacyTLSClients: true }); // behind the saved plan
      const applied = await tf.expect(['apply', '-no-color', '-input=false', 'tfplan']);
      expect(applied.stdout).not.toMatch(/inconsistent/i);
      expect(await tf.resourceValues('exchangeonline_transport_config.org')).toMatchObject({
        smtp_client_authentication_disabled: true,
        allow_legacy_tls_clients: true,
      });
      await tf.noChanges();
    } finally {
      tf.cleanup();
    }
  });

  test('12 concurrent applies of two configurations against one tenant: 0 inconsistent-result errors', async () => {
    const configs = [
      ['  smtp_client_authentication_disabled = true', '  smtp_client_authentication_disabled = false'],
      ['  allow_legacy_tls_clients = true', '  allow_legacy_tls_clients = false'],
    ];
    // One workspace creates the resource; the other eleven start from copies of its initialised directory and state,
    // so the 12 applies that run at once are all updates (where apply re-reads the tenant).
    const first = new TerraformWorkspace({ 'main.tf': transportTf(configs[0]![0]!) }, emulator.providerEnv);
    const workspaces = [first];
    try {
      await first.init();
      await first.apply();
      for (let index = 1; index < 12; index++) {
        const tf = new TerraformWorkspace({ 'main.tf': transportTf(configs[index % 2]![0]!) }, emulator.providerEnv);
        cpSync(join(first.dir, '.terraform'), join(tf.dir, '.terraform'), { recursive: true, verbatimSymlinks: true });
        for (const file of ['.terraform.lock.hcl', 'terraform.tfstate'])
          cpSync(join(first.dir, file), join(tf.dir, file));
        workspaces.push(tf);
      }
      const outputs: string[] = [];
      workspaces.forEach((tf, index) => tf.write({ 'main.tf': transportTf(configs[index % 2]![1]!) }));
      const results = await Promise.all(
        workspaces.map((tf) => tf.run(['apply', '-no-color', '-input=false', '-auto-approve'])),
      );
      for (const result of results) outputs.push(result.stdout + result.stderr);
      expect(results.map((result) => result.code)).toEqual(workspaces.map(() => 0));
      expect(outputs.filter((output) => /inconsistent result/i.test(output))).toEqual([]);
      console.log(
        `R6: ${outputs.length} concurrent applies (updates of two configurations), 0 inconsistent-result errors`,
      );
    } finally {
      for (const tf of workspaces) tf.cleanup();
    }
  });

  test('with 3 s of replication lag, the plan after an apply is empty and no write is skipped', async () => {
    await emulator.inspect.setReplicationLag(3_000);
    const identities = Array.from({ length: 100 }, (_, i) => `user${String(i + 1).padStart(5, '0')}@${DEMO_TENANT}`);
    const listTf = (setting: string): string => `${REQUIRED_PROVIDERS}
provider "exchangeonline" {}

resource "exchangeonline_mailbox_smtp_auth_list" "devices" {
  identities = { ${identities.map((identity) => `${JSON.stringify(identity)} = ""`).join(', ')} }
${setting}
}
`;
    const tf = new TerraformWorkspace(
      { 'main.tf': listTf('  smtp_client_authentication_disabled = false') },
      emulator.providerEnv,
    );
    try {
      const mailboxes = async (): Promise<Array<boolean | null>> =>
        (await emulator.inspect.tenant()).recipients
          .filter((r) => identities.includes(r.UserPrincipalName))
          .map((r) => r.SmtpClientAuthenticationDisabled ?? null);
      await tf.init();
      const started = Date.now();
      await tf.apply();
      expect(new Set(await mailboxes())).toEqual(new Set([false]));
      await tf.noChanges(); // right after the apply: no phantom drift
      tf.write({ 'main.tf': listTf('') }); // back to inherit
      const back = await tf.apply();
      expect(back.stdout).toMatch(/1 changed/);
      expect(new Set(await mailboxes())).toEqual(new Set([null]));
      await tf.noChanges();
      console.log(
        `R6 lag: 3000 ms replication lag, 100 mailboxes set and returned to inherit, plans empty; ${Date.now() - started} ms`,
      );
    } finally {
      await emulator.inspect.setReplicationLag(0);
      tf.cleanup();
    }
  });
});
