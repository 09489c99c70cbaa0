/**
 * Why the docs put credentials in ephemeral variables: with the real terraform and the emulator, a token in a
 * variable that is only `sensitive` is written into the saved plan file (`terraform plan -out`), an ephemeral one is
 * not; applying the saved plan then needs the ephemeral value again, and works with it.
 */
import { REQUIRED_PROVIDERS, TerraformWorkspace } from '../support/terraform';
import { startTestEmulator, type TestEmulator } from '../support/emulator';

const config = (ephemeral: boolean): string => `${REQUIRED_PROVIDERS}
variable "exo_access_token" {
  type      = string
  sensitive = true
  ephemeral = ${ephemeral}
}

provider "exchangeonline" {
  access_token = var.exo_access_token
}

resource "exchangeonline_transport_config" "org" {
  smtp_client_authentication_disabled = true
}
`;

describe('a token in an input variable and the saved plan file', () => {
  let emulator: TestEmulator;
  beforeEach(async () => {
    emulator = await startTestEmulator();
  });
  afterEach(async () => {
    await emulator.stop();
  });

  const planWith = async (ephemeral: boolean): Promise<{ tf: TerraformWorkspace; shown: string }> => {
    // The token comes only from the variable: EXO_ACCESS_TOKEN is cleared.
    const tf = new TerraformWorkspace(
      { 'main.tf': config(ephemeral) },
      { ...emulator.providerEnv, EXO_ACCESS_TOKEN: '', TF_VAR_exo_access_token: emulator.token },
    );
    await tf.init();
    await tf.plan(2);
    const shown = (await tf.expect(['show', '-json', 'tfplan'])).stdout;
    return { tf, shown };
  };

  test('sensitive only: the token is in the saved plan', async () => {
    const { tf, shown } = await planWith(false);
    try {
      expect(JSON.parse(shown).variables.exo_access_token.value).toBe(emulator.token);
    } finally {
      tf.cleanup();
    }
  });

  test('ephemeral: the saved plan holds no token, and applying it needs the variable again', async () => {
    const { tf, shown } = await planWith(true);
    try {
      expect(shown).not.toContain(emulator.token);
      expect(JSON.parse(shown).variables?.exo_access_token).toBeUndefined();
      const without = await tf.run(['apply', '-no-color', '-input=false', 'tfplan'], {
        TF_VAR_exo_access_token: undefined as unknown as string,
      }); // unset
      expect(without.code).toBe(1);
      expect(without.stderr).toContain('The ephemeral input variable "exo_access_token" was set during the plan');
      await tf.expect(['apply', '-no-color', '-input=false', 'tfplan']);
      expect((await emulator.inspect.tenant()).transportConfig.SmtpClientAuthenticationDisabled).toBe(true);
      expect(tf.read('terraform.tfstate')).not.toContain(emulator.token);
    } finally {
      tf.cleanup();
    }
  });
});
