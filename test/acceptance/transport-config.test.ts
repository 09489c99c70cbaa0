/**
 * exchangeonline_transport_config end to end: the real terraform binary, the packaged provider installed
 * offline from the mirror, and the emulator over HTTP. Every step asserts on the emulator's state.
 */
import { REQUIRED_PROVIDERS, TerraformWorkspace } from '../support/terraform';
import { DEMO_TENANT, startTestEmulator, type TestEmulator } from '../support/emulator';
import { PROVIDER_VERSION } from '../../scripts/package';

const ADDRESS = 'exchangeonline_transport_config.org';

function config(values: { smtp: boolean; legacy: boolean; restore?: boolean }): Record<string, string> {
  return {
    'main.tf': `${REQUIRED_PROVIDERS}
provider "exchangeonline" {}

resource "exchangeonline_transport_config" "org" {
  smtp_client_authentication_disabled = ${values.smtp}
  allow_legacy_tls_clients            = ${values.legacy}
${values.restore === undefined ? '' : `  restore_on_destroy                  = ${values.restore}\n`}}
`,
  };
}

describe('exchangeonline_transport_config', () => {
  let emulator: TestEmulator;
  beforeEach(async () => {
    emulator = await startTestEmulator();
  });
  afterEach(async () => {
    await emulator.stop();
  });

  test('lifecycle: create, no-op plan, drift, repair, update, destroy leaves the tenant as it is', async () => {
    const tf = new TerraformWorkspace(config({ smtp: true, legacy: true }), emulator.providerEnv);
    try {
      const init = await tf.init();
      expect(init.stdout).toContain(`Installed exoform/exchangeonline v${PROVIDER_VERSION}`);

      const before = await emulator.inspect.tenant();
      expect(before.transportConfig.SmtpClientAuthenticationDisabled).toBe(true);
      expect(before.transportConfig.AllowLegacyTLSClients).toBeNull();

      const created = await tf.plan(2);
      expect(created.plan.resource_changes?.map((c) => [c.address, c.change.actions])).toEqual([[ADDRESS, ['create']]]);
      expect((await emulator.inspect.tenant()).revision).toBe(before.revision); // planning writes nothing

      await tf.apply();
      const afterCreate = await emulator.inspect.tenant();
      expect(afterCreate.transportConfig.AllowLegacyTLSClients).toBe(true);
      expect(afterCreate.transportConfig.SmtpClientAuthenticationDisabled).toBe(true);
      const state = await tf.resourceValues(ADDRESS);
      expect(state).toMatchObject({
        id: DEMO_TENANT,
        smtp_client_authentication_disabled: true,
        allow_legacy_tls_clients: true,
        restore_on_destroy: false,
        // The demo tenant never set legacy TLS: recorded as null ("not set"), not as false.
        original_settings: { smtp_client_authentication_disabled: true, allow_legacy_tls_clients: null },
        legacy_tls_client_endpoint: { host: 'smtp-legacy.office365.com', port: 25, tls_versions: ['1.0', '1.1'] },
      });

      await tf.noChanges();
      expect((await emulator.inspect.tenant()).revision).toBe(afterCreate.revision);

      // Someone turns SMTP AUTH back on in the admin center.
      await emulator.inspect.setTransportConfig({ SmtpClientAuthenticationDisabled: false });
      const drifted = await tf.plan(2);
      const change = drifted.plan.resource_changes!.find((c) => c.address === ADDRESS)!;
      expect(change.change.actions).toEqual(['update']);
      expect(change.change.before.smtp_client_authentication_disabled).toBe(false);
      expect(change.change.after.smtp_client_authentication_disabled).toBe(true);
      expect(drifted.plan.resource_drift?.map((d) => d.address)).toEqual([ADDRESS]);

      await tf.apply();
      expect((await emulator.inspect.tenant()).transportConfig.SmtpClientAuthenticationDisabled).toBe(true);
      await tf.noChanges();

      tf.write(config({ smtp: true, legacy: false }));
      const updated = await tf.plan(2);
      expect(updated.plan.resource_changes![0].change.after.legacy_tls_client_endpoint).toBeNull();
      await tf.apply();
      expect((await emulator.inspect.tenant()).transportConfig.AllowLegacyTLSClients).toBe(false);
      expect(await tf.resourceValues(ADDRESS)).toMatchObject({
        allow_legacy_tls_clients: false,
        legacy_tls_client_endpoint: null,
      });

      await tf.destroy();
      const afterDestroy = await emulator.inspect.tenant();
      expect(afterDestroy.transportConfig).toMatchObject({
        SmtpClientAuthenticationDisabled: true,
        AllowLegacyTLSClients: false,
      });
      expect(tf.stateResources()).toEqual([]);
    } finally {
      tf.cleanup();
    }
  });

  test('restore_on_destroy puts back the values seen before Terraform managed the tenant, "not set" included', async () => {
    await emulator.inspect.setTransportConfig({ SmtpClientAuthenticationDisabled: false, AllowLegacyTLSClients: true });
    const tf = new TerraformWorkspace(config({ smtp: true, legacy: false, restore: true }), emulator.providerEnv);
    try {
      await tf.init();
      await tf.apply();
      expect((await emulator.inspect.tenant()).transportConfig).toMatchObject({
        SmtpClientAuthenticationDisabled: true,
        AllowLegacyTLSClients: false,
      });
      expect(await tf.resourceValues(ADDRESS)).toMatchObject({
        original_settings: { smtp_client_authentication_disabled: false, allow_legacy_tls_clients: true },
      });
      await tf.destroy();
      expect((await emulator.inspect.tenant()).transportConfig).toMatchObject({
        SmtpClientAuthenticationDisabled: false,
        AllowLegacyTLSClients: true,
      });

      // A tenant that never set legacy TLS follows Microsoft's default: the restore clears the opt-in back to
      // "not set" (Set-TransportConfig -AllowLegacyTLSClients $null) instead of writing an explicit false.
      await emulator.inspect.setTransportConfig({ AllowLegacyTLSClients: null });
      tf.write(config({ smtp: false, legacy: true, restore: true }));
      await tf.apply();
      expect((await emulator.inspect.tenant()).transportConfig.AllowLegacyTLSClients).toBe(true);
      expect(await tf.resourceValues(ADDRESS)).toMatchObject({
        original_settings: { smtp_client_authentication_disabled: false, allow_legacy_tls_clients: null },
      });
      await tf.destroy();
      expect((await emulator.inspect.tenant()).transportConfig).toMatchObject({
        SmtpClientAuthenticationDisabled: false,
        AllowLegacyTLSClients: null,
      });
      expect(tf.stateResources()).toEqual([]);
    } finally {
      tf.cleanup();
    }
  });

  test('terraform import by tenant, then a no-op plan', async () => {
    await emulator.inspect.setTransportConfig({ SmtpClientAuthenticationDisabled: false, AllowLegacyTLSClients: true });
    const tf = new TerraformWorkspace(config({ smtp: false, legacy: true }), emulator.providerEnv);
    try {
      await tf.init();
      const revision = (await emulator.inspect.tenant()).revision;
      await tf.expect(['import', '-no-color', '-input=false', ADDRESS, DEMO_TENANT]);
      expect(await tf.resourceValues(ADDRESS)).toMatchObject({
        id: DEMO_TENANT,
        smtp_client_authentication_disabled: false,
        allow_legacy_tls_clients: true,
        restore_on_destroy: false,
        original_settings: { smtp_client_authentication_disabled: false, allow_legacy_tls_clients: true },
      });
      expect((await emulator.inspect.tenant()).revision).toBe(revision); // import only reads
      await tf.noChanges();

      const wrong = await tf.run([
        'import',
        '-no-color',
        '-input=false',
        'exchangeonline_transport_config.other',
        'fabrikam.onmicrosoft.com',
      ]);
      expect(wrong.code).toBe(1);
    } finally {
      tf.cleanup();
    }
  });

  test('an import block with -generate-config-out produces a complete resource', async () => {
    const tf = new TerraformWorkspace(
      {
        'main.tf': `${REQUIRED_PROVIDERS}
provider "exchangeonline" {}

import {
  to = ${ADDRESS}
  id = "${DEMO_TENANT}"
}
`,
      },
      emulator.providerEnv,
    );
    try {
      await tf.init();
      const planned = await tf.plan(2, ['-generate-config-out=generated.tf']);
      expect(planned.plan.resource_changes![0].change.importing).toBeDefined();
      const generated = tf.read('generated.tf');
      expect(generated).toMatch(/resource "exchangeonline_transport_config" "org" \{/);
      expect(generated).toMatch(/smtp_client_authentication_disabled\s*=\s*true/);
      expect(generated).toMatch(/allow_legacy_tls_clients\s*=\s*false/);
      expect(generated).toMatch(/restore_on_destroy\s*=\s*false/);
      await tf.apply();
      await tf.noChanges();
      expect(await tf.resourceValues(ADDRESS)).toMatchObject({
        id: DEMO_TENANT,
        smtp_client_authentication_disabled: true,
      });
    } finally {
      tf.cleanup();
    }
  });

  test('the data source reads the tenant settings', async () => {
    await emulator.inspect.setTransportConfig({ SmtpClientAuthenticationDisabled: false });
    const tf = new TerraformWorkspace(
      {
        'main.tf': `${REQUIRED_PROVIDERS}
provider "exchangeonline" {}
data "exchangeonline_transport_config" "now" {}
output "enabled" { value = data.exchangeonline_transport_config.now.smtp_client_authentication_enabled }
output "legacy" { value = data.exchangeonline_transport_config.now.allow_legacy_tls_clients }
`,
      },
      emulator.providerEnv,
    );
    try {
      await tf.init();
      await tf.apply();
      const outputs = tf.localState()?.outputs; // the state file apply wrote
      expect(outputs?.enabled.value).toBe(true);
      expect(outputs?.legacy.value).toBe(false);
    } finally {
      tf.cleanup();
    }
  });
});
