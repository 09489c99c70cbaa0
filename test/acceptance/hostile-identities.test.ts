/**
 * Hostile mailbox identities go from Terraform to the emulator byte-exact, as data, or are refused with a clear
 * error before any call is made. Values travel through a JSON tfvars file, so no HCL escaping is involved.
 */
import { REQUIRED_PROVIDERS, TerraformWorkspace } from '../support/terraform';
import { startTestEmulator, type TestEmulator } from '../support/emulator';

const MAIN_TF = `${REQUIRED_PROVIDERS}
provider "exchangeonline" {}
variable "identity" {
  type = string
}
resource "exchangeonline_mailbox_smtp_auth" "target" {
  identity                            = var.identity
  smtp_client_authentication_disabled = false
}
`;

/** Sent as data, these must reach the service exactly; none names a mailbox, so the plan says "not found". */
const PASSED_THROUGH: Record<string, string> = {
  quotes: `o'brien"double"@contoso.com`,
  semicolon: 'sean@contoso.com; Remove-Mailbox -Identity chris@contoso.com',
  subexpression: 'a$(Remove-Mailbox x)@contoso.com',
  backticks: 'a`whoami`@contoso.com',
  variable: '$env:EXO_ACCESS_TOKEN',
  unicode: 'zoë.ñandú-数据@contoso.com',
  json: '{"CmdletName":"Remove-Mailbox"}',
  'percent and slash': '../../adminapi/beta/fabrikam%2F..%2Fx/InvokeCommand',
};

/** Values that can never name a mailbox: refused before any call, with the reason. */
const REFUSED: Record<string, { identity: string; reason: RegExp }> = {
  newline: { identity: 'sean@contoso.com\nRemove-Mailbox chris', reason: /control character/ },
  'carriage return': { identity: 'sean@contoso.com\r', reason: /control character|white space/ },
  '10 KB': { identity: 'a'.repeat(10 * 1024) + '@contoso.com', reason: /characters long/ },
  'leading space': { identity: ' sean@contoso.com', reason: /white space/ },
  empty: { identity: '', reason: /is empty/ },
};

describe('hostile identities', () => {
  let emulator: TestEmulator;
  beforeAll(async () => {
    emulator = await startTestEmulator();
  });
  afterAll(async () => {
    await emulator.stop();
  });

  async function plan(identity: string): Promise<{ code: number; stderr: string; identitiesSent: unknown[] }> {
    const tf = new TerraformWorkspace(
      { 'main.tf': MAIN_TF, 'terraform.tfvars.json': JSON.stringify({ identity }) },
      emulator.providerEnv,
    );
    try {
      await tf.init();
      await emulator.inspect.clearCalls();
      const result = await tf.run(['plan', '-no-color', '-input=false']);
      const { calls } = await emulator.inspect.calls();
      return {
        code: result.code,
        stderr: result.stderr,
        identitiesSent: calls.map((c) => c.parameters?.Identity).filter((v) => v !== undefined),
      };
    } finally {
      tf.cleanup();
    }
  }

  test.each(Object.entries(PASSED_THROUGH))(
    '%s: reaches the emulator byte-exact as a parameter value',
    async (_name, identity) => {
      const result = await plan(identity);
      expect(result.identitiesSent).toContain(identity);
      expect(result.code).toBe(1);
      expect(result.stderr).toContain('not found');
      // Nothing was changed by it.
      expect((await emulator.inspect.recipient('chris@contoso.com')).SmtpClientAuthenticationDisabled).toBeNull();
    },
  );

  test.each(Object.entries(REFUSED))(
    '%s: refused with a clear error before any call',
    async (_name, { identity, reason }) => {
      const result = await plan(identity);
      expect(result.code).toBe(1);
      expect(result.stderr).toMatch(/Invalid mailbox identity/);
      expect(result.stderr.replace(/[│\s]+/g, ' ')).toMatch(reason);
      expect(result.identitiesSent).not.toContain(identity);
    },
  );

  test('a real mailbox with an apostrophe and non-ASCII letters is managed like any other', async () => {
    for (const upn of [`o'brien@contoso.com`, 'zoë@contoso.com']) {
      await emulator.inspect.request('POST', '/_emulator/tenants/contoso.onmicrosoft.com/recipients', { upn });
      const tf = new TerraformWorkspace(
        { 'main.tf': MAIN_TF, 'terraform.tfvars.json': JSON.stringify({ identity: upn }) },
        emulator.providerEnv,
      );
      try {
        await tf.init();
        await tf.apply();
        expect((await emulator.inspect.recipient(upn)).SmtpClientAuthenticationDisabled).toBe(false);
        await tf.plan(0);
        await tf.destroy();
        expect((await emulator.inspect.recipient(upn)).SmtpClientAuthenticationDisabled).toBeNull();
      } finally {
        tf.cleanup();
      }
    }
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
      const identities = Object.fromEntries(Object.values(PASSED_THROUGH).map((identity) => [identity, '']));
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
        expect(sent.sort()).toEqual([...Object.values(PASSED_THROUGH), 'sean@contoso.com'].sort());
        expect(((result.stdout + result.stderr).match(/Warning: Could not set SMTP AUTH for/g) ?? []).length).toBe(
          Object.keys(PASSED_THROUGH).length,
        );
        expect((await tf.run(['plan', '-no-color', '-input=false', '-detailed-exitcode'])).code).toBe(2); // the failures stay visible
        expect((await tf.resourceValues('exchangeonline_mailbox_smtp_auth_list.hostile')).out_of_sync).toEqual(
          Object.fromEntries(Object.values(PASSED_THROUGH).map((identity) => [identity, 'not found'])),
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
      const identities = Object.fromEntries(Object.values(REFUSED).map(({ identity }) => [identity, '']));
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
        for (const { reason } of Object.values(REFUSED)) expect(text).toMatch(reason);
        expect((result.stderr.match(/Invalid mailbox identity/g) ?? []).length).toBe(Object.keys(REFUSED).length);
        expect((await emulator.inspect.calls()).calls).toEqual([]);
      } finally {
        tf.cleanup();
      }
    });
  });
});
