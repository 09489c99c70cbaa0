/**
 * exchangeonline_mailbox_smtp_auth_list end to end: identities that name one mailbox twice, missing mailboxes,
 * import, upgrade of version 0 state. The lifecycle (the seeds' allow list read from a text file, exclusive
 * enforcement, drift, removal back to inherit, destroy) runs once through terraform, under the emulator's strictest
 * answer dialect: mailbox-smtp-auth-list-strictest.test.ts. Partial failure and recovery: partial-failure.test.ts.
 * Input checks in process: test/provider/resources/.
 */
import { REQUIRED_PROVIDERS, TerraformWorkspace } from '../support/terraform';
import { bridgeEnvironment, startTestEmulator, type TestEmulator } from '../support/emulator';
import { ADDRESS, files, type ListState } from '../support/smtp-auth-list';

describe('exchangeonline_mailbox_smtp_auth_list', () => {
  let emulator: TestEmulator;
  beforeEach(async () => {
    emulator = await startTestEmulator();
  });
  afterEach(async () => {
    await emulator.stop();
  });

  test('a mailbox still listed under another identity is not reset when one of its identities leaves the list', async () => {
    const sean = await emulator.inspect.recipient('sean@contoso.com');
    const tf = new TerraformWorkspace(
      files(['sean@contoso.com', sean.Guid, 'chris@contoso.com']),
      emulator.providerEnv,
    );
    try {
      await tf.init();
      await tf.apply();
      tf.write(files([sean.Guid, 'chris@contoso.com']));
      await emulator.inspect.clearCalls();
      await tf.apply();
      expect(await emulator.inspect.overrides(['sean@contoso.com', 'chris@contoso.com'])).toEqual({
        'sean@contoso.com': false,
        'chris@contoso.com': false,
      });
      expect(await emulator.inspect.callsTo('Set-CASMailbox')).toEqual([]);
      await tf.noChanges();
    } finally {
      tf.cleanup();
    }
  });

  test('a missing mailbox is warned about at plan, fails alone at apply, and stays visible until it is fixed', async () => {
    const tf = new TerraformWorkspace(files(['sean@contoso.com']), emulator.providerEnv);
    try {
      await tf.init();
      await tf.apply();
      tf.write(files(['sean@contoso.com', 'ghost@contoso.com', 'chris@contoso.com']));
      const planned = await tf.changes();
      expect(planned.stdout + planned.stderr).toMatch(/Mailbox "ghost@contoso.com" not found/);

      const failed = await tf.run(['apply', '-no-color', '-input=false', '-auto-approve']);
      expect(failed.code).toBe(1);
      expect(failed.stderr).toMatch(/Could not set SMTP AUTH for ghost@contoso.com/);
      expect(await emulator.inspect.overrides(['sean@contoso.com', 'chris@contoso.com'])).toEqual({
        'sean@contoso.com': false,
        'chris@contoso.com': false,
      });
      expect(((await tf.resourceValues(ADDRESS)) as ListState).out_of_sync).toEqual({
        'ghost@contoso.com': 'not found',
      });

      // Still wrong, still shown: every plan says so until the list is fixed.
      const again = await tf.plan(2);
      expect(again.plan.resource_changes![0].change.before.out_of_sync).toEqual({ 'ghost@contoso.com': 'not found' });
      expect(again.result.stdout + again.result.stderr).toMatch(/Mailbox "ghost@contoso.com" not found/);
      tf.write(files(['sean@contoso.com', 'chris@contoso.com']));
      await tf.apply();
      await tf.noChanges();
    } finally {
      tf.cleanup();
    }
  });

  test('import "enabled" adopts every explicitly enabled mailbox; generate-config-out writes the list', async () => {
    await emulator.inspect.setRecipient('akol@contoso.com', { SmtpClientAuthenticationDisabled: false });
    await emulator.inspect.setRecipient('scanner@contoso.com', { SmtpClientAuthenticationDisabled: false });
    const tf = new TerraformWorkspace(
      {
        'main.tf': `${REQUIRED_PROVIDERS}\nprovider "exchangeonline" {}\nimport {\n  to = ${ADDRESS}\n  id = "enabled"\n}\n`,
      },
      emulator.providerEnv,
    );
    try {
      await tf.init();
      await tf.changes(['-generate-config-out=generated.tf']);
      const generated = tf.read('generated.tf');
      expect(generated).toMatch(/"akol@contoso.com"/);
      expect(generated).toMatch(/"scanner@contoso.com"/);
      expect(generated).toMatch(/smtp_client_authentication_disabled\s*=\s*false/);
      await tf.apply();
      await tf.noChanges();

      const cli = new TerraformWorkspace(
        {
          'main.tf': `${REQUIRED_PROVIDERS}\nprovider "exchangeonline" {}\nresource "exchangeonline_mailbox_smtp_auth_list" "allowed" {\n  identities = { "akol@contoso.com" = "", "scanner@contoso.com" = "" }\n  smtp_client_authentication_disabled = false\n}\n`,
        },
        emulator.providerEnv,
      );
      try {
        await cli.init();
        await cli.expect(['import', '-no-color', '-input=false', ADDRESS, 'enabled']);
        expect(await cli.resourceValues(ADDRESS)).toMatchObject({
          identities: { 'akol@contoso.com': '', 'scanner@contoso.com': '' },
          smtp_client_authentication_disabled: false,
          exclusive: false,
        });
        await cli.noChanges();
      } finally {
        cli.cleanup();
      }
    } finally {
      tf.cleanup();
    }
  });

  test('import by name ("enabled:a,b"): -generate-config-out writes exactly those exceptions as a list to review and keep', async () => {
    for (const upn of ['akol@contoso.com', 'scanner@contoso.com', 'kakers@contoso.com'])
      await emulator.inspect.setRecipient(upn, { SmtpClientAuthenticationDisabled: false });
    const block = (id: string): string =>
      `${REQUIRED_PROVIDERS}\nprovider "exchangeonline" {}\nimport {\n  to = ${ADDRESS}\n  id = "${id}"\n}\n`;
    const tf = new TerraformWorkspace(
      { 'main.tf': block('enabled: scanner@contoso.com, AKOL@contoso.com') },
      emulator.providerEnv,
    );
    try {
      await tf.init();
      const planned = await tf.changes(['-generate-config-out=generated.tf']);
      expect(planned.stdout).toMatch(/Plan: 1 to import, 0 to add, 0 to change, 0 to destroy/);
      const generated = tf.read('generated.tf');
      expect(generated).toMatch(/resource "exchangeonline_mailbox_smtp_auth_list" "allowed" \{/);
      const identities = /identities\s*=\s*\{([^}]*)\}/.exec(generated)![1];
      expect(identities.match(/"[^"]+"\s*=\s*""/g)!.map((pair) => pair.replace(/\s+/g, ' '))).toEqual([
        '"AKOL@contoso.com" = ""',
        '"scanner@contoso.com" = ""',
      ]);
      expect(generated).not.toMatch(/kakers/); // enabled too, but not named: not adopted
      expect(generated).toMatch(/smtp_client_authentication_disabled\s*=\s*false/);
      expect(generated).toMatch(/exclusive\s*=\s*false/);
      expect(generated).not.toMatch(/out_of_sync|stray_mailboxes|\bid\s*=/); // computed only: not written
      await tf.apply();
      await tf.noChanges();
      expect(
        await emulator.inspect.overrides(['akol@contoso.com', 'scanner@contoso.com', 'kakers@contoso.com']),
      ).toEqual({
        'akol@contoso.com': false,
        'scanner@contoso.com': false,
        'kakers@contoso.com': false,
      });

      // A name that finds no mailbox refuses the import, naming it; a bad form names the accepted ones.
      tf.write({
        'main.tf': block('disabled:nobody@contoso.com,sean@contoso.com').replace('allowed', 'blocked'),
        'generated.tf': '',
      });
      const missing = await tf.run(['plan', '-no-color', '-input=false', '-generate-config-out=blocked.tf']);
      expect(missing.code).toBe(1);
      expect(missing.stderr).toMatch(/Import ID names mailboxes that cannot be adopted/);
      expect(missing.stderr).toMatch(/"nobody@contoso.com": no such mailbox/);
      tf.write({ 'main.tf': block('allowed:sean@contoso.com').replace('allowed', 'other') });
      const invalid = await tf.run(['plan', '-no-color', '-input=false', '-generate-config-out=other.tf']);
      expect(invalid.code).toBe(1);
      expect(invalid.stderr.replace(/\s+/g, ' ')).toMatch(/enabled:scanner@contoso.com,sean@contoso.com/);
    } finally {
      tf.cleanup();
    }
  });

  test('state written by schema version 0 (identities as a set, a mailboxes map) is upgraded in place', async () => {
    await emulator.inspect.setRecipient('sean@contoso.com', { SmtpClientAuthenticationDisabled: false });
    const sean = await emulator.inspect.recipient('sean@contoso.com');
    const v0 = {
      version: 4,
      terraform_version: '1.11.0',
      serial: 1,
      lineage: '6b0c5f0e-0000-4000-8000-000000000001',
      outputs: {},
      resources: [
        {
          mode: 'managed',
          type: 'exchangeonline_mailbox_smtp_auth_list',
          name: 'allowed',
          provider: 'provider["registry.terraform.io/exoform/exchangeonline"]',
          instances: [
            {
              schema_version: 0,
              attributes: {
                id: '0b7d4c1e-1111-4222-8333-444455556666',
                identities: ['sean@contoso.com'],
                smtp_client_authentication_disabled: false,
                exclusive: false,
                mailboxes: {
                  'sean@contoso.com': {
                    guid: sean.Guid,
                    primary_smtp_address: 'sean@contoso.com',
                    smtp_client_authentication_disabled: false,
                  },
                },
                stray_mailboxes: [],
              },
              sensitive_attributes: [],
            },
          ],
        },
      ],
    };
    const tf = new TerraformWorkspace(
      {
        'main.tf': `${REQUIRED_PROVIDERS}\nprovider "exchangeonline" {}\nresource "exchangeonline_mailbox_smtp_auth_list" "allowed" {\n  identities = { "sean@contoso.com" = "" }\n  smtp_client_authentication_disabled = false\n}\n`,
        'terraform.tfstate': JSON.stringify(v0),
      },
      emulator.providerEnv,
    );
    try {
      await tf.init();
      await tf.noChanges();
      await tf.expect(['apply', '-refresh-only', '-auto-approve', '-no-color', '-input=false']);
      const saved = JSON.parse(tf.read('terraform.tfstate'));
      expect(saved.resources[0].instances[0].schema_version).toBe(1);
      expect(saved.resources[0].instances[0].attributes).toMatchObject({
        id: '0b7d4c1e-1111-4222-8333-444455556666',
        identities: { 'sean@contoso.com': '' },
        out_of_sync: {},
        stray_mailboxes: {},
      });
      expect(saved.resources[0].instances[0].attributes.mailboxes).toBeUndefined();
    } finally {
      tf.cleanup();
    }
  });

  test('the refresh read starts while Terraform upgrades the state, and stops when Terraform goes on without refreshing', async () => {
    const tf = new TerraformWorkspace(files(['sean@contoso.com', 'scanner@contoso.com']), emulator.providerEnv);
    try {
      await tf.init();
      await tf.apply();
      // Slow, small pages: the bulk read lasts well beyond Terraform's own work between the RPCs.
      await emulator.inspect.request('PATCH', '/_emulator/latency', { callMs: 150, pageSize: 2 });
      // Bulk reads begun: first pages of Get-CASMailbox -ResultSize Unlimited (each later page is logged with its number).
      const bulkReads = async (): Promise<number> =>
        (await emulator.inspect.callsTo('Get-CASMailbox')).filter(
          (c) => c.parameters.ResultSize === 'Unlimited' && !(c as { page?: number }).page,
        ).length;
      const logged = async (args: string[], name: string): Promise<string[]> => {
        const result = await tf.run([...args, '-no-color', '-input=false'], {
          TF_LOG: 'debug',
          TF_LOG_PATH: `${tf.dir}/${name}`,
        });
        if (result.code !== 0)
          throw new Error(`terraform ${args.join(' ')} exited ${result.code}\n${result.stdout}\n${result.stderr}`);
        return tf.read(name).split('\n');
      };
      const index = (lines: string[], pattern: RegExp): number => lines.findIndex((line) => pattern.test(line));

      const before = await bulkReads();
      const plan = await logged(['plan'], 'plan.log');
      if (bridgeEnvironment().EXO_BRIDGE === 'powershell') {
        // Cancelling a PowerShell call kills its session, so that bridge starts nothing early: one read, at the refresh.
        expect(index(plan, /ahead of the refresh/)).toBe(-1);
        expect(await bulkReads()).toBe(before + 1);
        return;
      }
      // The read begins inside UpgradeResourceState (the RPC's log line is written when it ends), and ReadResource uses it.
      const started = index(plan, /invoking Get-CASMailbox/);
      expect(started).toBeGreaterThan(-1);
      expect(started).toBeLessThan(index(plan, /rpc=UpgradeResourceState/));
      expect(index(plan, /bulk read started ahead of the refresh serves it/)).toBeGreaterThan(started);
      expect(await bulkReads()).toBe(before + 1); // one read, not two

      // -refresh=false: Terraform upgrades the state, then validates and plans. The read started for nothing is stopped.
      tf.write(files(['sean@contoso.com', 'scanner@contoso.com', 'chris@contoso.com']));
      const apply = await logged(['apply', '-auto-approve', '-refresh=false'], 'apply.log');
      expect(
        apply.filter((line) => /stopped the bulk read started ahead of it/.test(line)).length,
      ).toBeGreaterThanOrEqual(1);
      expect(await emulator.inspect.overrides(['chris@contoso.com', 'sean@contoso.com'])).toEqual({
        'chris@contoso.com': false,
        'sean@contoso.com': false,
      });
      await tf.noChanges();
    } finally {
      tf.cleanup();
    }
  });
});
