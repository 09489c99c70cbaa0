/**
 * Bad provider configuration reaches the user as a diagnostic that names the setting and says what to do,
 * and secrets never show up in plan output, logs or state.
 */
import { REQUIRED_PROVIDERS, TerraformWorkspace } from '../support/terraform';
import { DEMO_TENANT, startTestEmulator, type TestEmulator } from '../support/emulator';

const RESOURCE = `resource "exchangeonline_transport_config" "org" {
  smtp_client_authentication_disabled = true
}
`;

function workspace(providerBlock: string, env: Record<string, string | undefined>): TerraformWorkspace {
  return new TerraformWorkspace({ 'main.tf': `${REQUIRED_PROVIDERS}\n${providerBlock}\n${RESOURCE}` }, env);
}

/** Terraform wraps long lines with box-drawing borders; fold them so assertions can match phrases. */
function flatten(text: string): string {
  return text.replace(/[│╷╵]/g, ' ').replace(/\s+/g, ' ');
}

describe('provider configuration errors', () => {
  let emulator: TestEmulator;
  const noEnvironment = { EXO_ENDPOINT: undefined, EXO_ORGANIZATION: undefined, EXO_ACCESS_TOKEN: undefined };
  beforeAll(async () => {
    emulator = await startTestEmulator();
  });
  afterAll(async () => {
    await emulator.stop();
  });

  /** Runs the command (plan by default) and returns its folded error output; it must fail. */
  async function planError(providerBlock: string, env: Record<string, string | undefined>, command = 'plan'): Promise<string> {
    const tf = workspace(providerBlock, { ...noEnvironment, ...env });
    try {
      await tf.init();
      const result = await tf.run([command, '-no-color', '-input=false', ...(command === 'apply' ? ['-auto-approve'] : [])]);
      expect(result.code).toBe(1);
      return flatten(result.stderr);
    } finally {
      tf.cleanup();
    }
  }

  test('missing organization names the setting and its environment variable', async () => {
    const message = await planError(`provider "exchangeonline" {\n  endpoint = "${emulator.url}"\n  access_token = "x"\n}`, {});
    expect(message).toMatch(/Invalid exchangeonline provider configuration/);
    expect(message).toMatch(/`organization` setting is not set/);
    expect(message).toMatch(/EXO_ORGANIZATION/);
  });

  test('a token and a certificate together are refused', async () => {
    const message = await planError(
      `provider "exchangeonline" {\n  organization = "${DEMO_TENANT}"\n  endpoint = "${emulator.url}"\n  access_token = "x"\n  client_id = "00000000-0000-0000-0000-000000000001"\n  certificate_path = "/nonexistent.pfx"\n}`,
      {},
    );
    expect(message).toMatch(/access_token/);
    expect(message).toMatch(/certificate_path/);
  });

  test('an unreadable certificate file names the path', async () => {
    const message = await planError(
      `provider "exchangeonline" {\n  organization = "${DEMO_TENANT}"\n  endpoint = "${emulator.url}"\n  client_id = "00000000-0000-0000-0000-000000000001"\n  certificate_path = "/nonexistent/app.pfx"\n}`,
      {},
    );
    expect(message).toMatch(/\/nonexistent\/app\.pfx/);
    expect(message).toMatch(/certificate_path/);
  });

  // A plan that only creates needs no call to the service, so the first call, and its error, comes at apply.
  test('an unreachable endpoint says which endpoint and what to check', async () => {
    const message = await planError(
      `provider "exchangeonline" {\n  organization = "${DEMO_TENANT}"\n  endpoint = "http://127.0.0.1:9"\n  access_token = "x"\n}`,
      {},
      'apply',
    );
    expect(message).toMatch(/Cannot reach Exchange Online/);
    expect(message).toMatch(/127\.0\.0\.1:9/);
  });

  test('a wrong token is reported as refused credentials, and the token appears nowhere', async () => {
    const secret = 'wrong-token-value-5521';
    const tf = workspace(`provider "exchangeonline" {\n  organization = "${DEMO_TENANT}"\n  endpoint = "${emulator.url}"\n}`, {
      ...noEnvironment,
      EXO_ACCESS_TOKEN: secret,
      TF_LOG: 'trace',
    });
    try {
      await tf.init();
      const result = await tf.run(['apply', '-no-color', '-input=false', '-auto-approve']);
      expect(result.code).toBe(1);
      expect(flatten(result.stderr)).toMatch(/refused the credentials/);
      expect(result.stdout + result.stderr).not.toContain(secret);
    } finally {
      tf.cleanup();
    }
  });

  test('a token given in the provider block is kept out of plan output, logs and state', async () => {
    const tf = workspace(`provider "exchangeonline" {\n  organization = "${DEMO_TENANT}"\n  endpoint = "${emulator.url}"\n  access_token = "${emulator.token}"\n}`, {
      ...noEnvironment,
      TF_LOG: 'trace',
    });
    try {
      await tf.init();
      const applied = await tf.apply();
      const shown = await tf.expect(['show', '-json']);
      expect(applied.stdout + applied.stderr + shown.stdout + tf.read('terraform.tfstate')).not.toContain(emulator.token);
    } finally {
      tf.cleanup();
    }
  });
});
