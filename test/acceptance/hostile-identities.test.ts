/**
 * Hostile mailbox identities go from Terraform to the emulator byte-exact, as data, or are refused with a clear
 * error before any call is made. Values travel through a JSON tfvars file, so no HCL escaping is involved.
 * Terraform runs once for each fact (the values arrive unchanged; the refusals are shown); each value of
 * exchangeonline_mailbox_smtp_auth is checked in process in test/provider/resources/hostile-identities.test.ts.
 */
import { REQUIRED_PROVIDERS, TerraformWorkspace } from '../support/terraform';
import { startTestEmulator, type TestEmulator } from '../support/emulator';
import { HOSTILE_PASSED_THROUGH, HOSTILE_REFUSED } from '../support/hostile-identities';

describe('hostile identities', () => {
  let emulator: TestEmulator;
  beforeAll(async () => {
    emulator = await startTestEmulator();
  });
  afterAll(async () => {
    await emulator.stop();
  });

  describe('in exchangeonline_mailbox_smtp_auth_list, which writes members by the identity given', () => {
    const LIST_TF = `${REQUIRED_PROVIDERS}
provider "exchangeonline" {}
variable "identities" {
  type = map(string)
}
resource "exchangeonline_mailbox_smtp_auth_list" "hostile" {
  identities                          = var.identities
  smtp_client_authentication_disabled = false
}
`;

    test('every hostile identity reaches Set-CASMailbox byte-exact, fails alone as not found, and changes nothing else', async () => {
      const identities = Object.fromEntries(Object.values(HOSTILE_PASSED_THROUGH).map((identity) => [identity, '']));
      const tf = new TerraformWorkspace(
        {
          'main.tf': LIST_TF,
          'terraform.tfvars.json': JSON.stringify({ identities: { ...identities, 'sean@contoso.com': '' } }),
        },
        emulator.providerEnv,
      );
      try {
        await tf.init();
        await emulator.inspect.clearCalls();
        const result = await tf.run(['apply', '-no-color', '-input=false', '-auto-approve']);
        // A create whose members partly fail records them and warns (an error would taint the whole list).
        expect(result.code).toBe(0);
        const sent = (await emulator.inspect.callsTo('Set-CASMailbox')).map((c) => c.parameters.Identity);
        expect(sent.sort()).toEqual([...Object.values(HOSTILE_PASSED_THROUGH), 'sean@contoso.com'].sort());
        expect(((result.stdout + result.stderr).match(/Warning: Could not set SMTP AUTH for/g) ?? []).length).toBe(
          Object.keys(HOSTILE_PASSED_THROUGH).length,
        );
        expect((await tf.run(['plan', '-no-color', '-input=false', '-detailed-exitcode'])).code).toBe(2); // the failures stay visible
        expect((await tf.resourceValues('exchangeonline_mailbox_smtp_auth_list.hostile')).out_of_sync).toEqual(
          Object.fromEntries(Object.values(HOSTILE_PASSED_THROUGH).map((identity) => [identity, 'not found'])),
        );
        expect(await emulator.inspect.overrides(['sean@contoso.com', 'chris@contoso.com'])).toEqual({
          'sean@contoso.com': false,
          'chris@contoso.com': null,
        });
        await tf.destroy();
      } finally {
        tf.cleanup();
      }
    });

    test('identities that can never name a mailbox are refused, each with its reason, before any call', async () => {
      const identities = Object.fromEntries(Object.values(HOSTILE_REFUSED).map(({ identity }) => [identity, '']));
      const tf = new TerraformWorkspace(
        {
          'main.tf': LIST_TF,
          'terraform.tfvars.json': JSON.stringify({ identities: { ...identities, 'sean@contoso.com': '' } }),
        },
        emulator.providerEnv,
      );
      try {
        await tf.init();
        await emulator.inspect.clearCalls();
        const result = await tf.run(['plan', '-no-color', '-input=false']);
        expect(result.code).toBe(1);
        const text = result.stderr.replace(/[│\s]+/g, ' ');
        for (const { reason } of Object.values(HOSTILE_REFUSED)) expect(text).toMatch(reason);
        expect((result.stderr.match(/Invalid mailbox identity/g) ?? []).length).toBe(
          Object.keys(HOSTILE_REFUSED).length,
        );
        expect((await emulator.inspect.calls()).calls).toEqual([]);
      } finally {
        tf.cleanup();
      }
    });
  });
});
