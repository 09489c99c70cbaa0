/**
 * Bad provider configuration reaches the user as a diagnostic that names the setting and says what to do,
 * and secrets never show up in plan output, logs or state.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { providerExecutable } from '../../scripts/package';
import { REQUIRED_PROVIDERS, TerraformWorkspace } from '../support/terraform';
import { bridgeUnderTest, DEMO_TENANT, startTestEmulator, type TestEmulator } from '../support/emulator';

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
  async function planError(
    providerBlock: string,
    env: Record<string, string | undefined>,
    command = 'plan',
  ): Promise<string> {
    const tf = workspace(providerBlock, { ...noEnvironment, ...env });
    try {
      await tf.init();
      const result = await tf.run([
        command,
        '-no-color',
        '-input=false',
        ...(command === 'apply' ? ['-auto-approve'] : []),
      ]);
      expect(result.code).toBe(1);
      return flatten(result.stderr);
    } finally {
      tf.cleanup();
    }
  }

  test('allow_legacy_tls_clients = true in a cloud without a legacy endpoint fails the plan, naming the cloud', async () => {
    const legacyTls = (environment: string): string =>
      `${REQUIRED_PROVIDERS}\nprovider "exchangeonline" {\n  organization = "${DEMO_TENANT}"\n  endpoint = "${emulator.url}"\n  environment = "${environment}"\n}\n` +
      'resource "exchangeonline_transport_config" "org" {\n  allow_legacy_tls_clients = true\n}\n';
    const tf = new TerraformWorkspace(
      { 'main.tf': legacyTls('O365USGovGCCHigh') },
      { ...noEnvironment, EXO_ACCESS_TOKEN: emulator.token },
    );
    try {
      await tf.init();
      const result = await tf.run(['plan', '-no-color', '-input=false']);
      expect(result.code).toBe(1);
      const message = flatten(result.stderr);
      expect(message).toMatch(/Legacy TLS clients are not available in Microsoft 365 GCC High/);
      expect(message).toMatch(/allow_legacy_tls_clients = false/);
      // The same configuration in the worldwide cloud plans, with the worldwide legacy host.
      tf.write({ 'main.tf': legacyTls('O365China') });
      const china = await tf.run(['plan', '-no-color', '-input=false']);
      expect(china.code).toBe(0);
      expect(china.stdout).toMatch(/smtp-legacy\.partner\.outlook\.cn/);
    } finally {
      tf.cleanup();
    }
  });

  test('an unknown environment names the setting, its variable and the accepted names', async () => {
    const message = await planError(
      `provider "exchangeonline" {\n  organization = "${DEMO_TENANT}"\n  endpoint = "${emulator.url}"\n  access_token = "x"\n}`,
      { EXO_ENVIRONMENT: 'AzureCloud' },
    );
    expect(message).toMatch(/`environment` setting "AzureCloud" is not a Microsoft 365 cloud/);
    expect(message).toMatch(/O365USGovGCCHigh/);
    expect(message).toMatch(/EXO_ENVIRONMENT/);
  });

  test('missing organization names the setting and its environment variable', async () => {
    const message = await planError(
      `provider "exchangeonline" {\n  endpoint = "${emulator.url}"\n  access_token = "x"\n}`,
      {},
    );
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

  // A plan that only creates makes one cheap call before planning (the tenant check), so this fails the plan.
  test('an unreachable endpoint says which endpoint and what to check', async () => {
    const message = await planError(
      `provider "exchangeonline" {\n  organization = "${DEMO_TENANT}"\n  endpoint = "http://127.0.0.1:9"\n  access_token = "x"\n}`,
      {},
    );
    expect(message).toMatch(/Cannot reach Exchange Online/);
    expect(message).toMatch(/127\.0\.0\.1:9/);
  });

  test('a wrong token is reported as refused credentials, and the token appears nowhere', async () => {
    const secret = 'wrong-token-value-5521';
    const tf = workspace(
      `provider "exchangeonline" {\n  organization = "${DEMO_TENANT}"\n  endpoint = "${emulator.url}"\n}`,
      {
        ...noEnvironment,
        EXO_ACCESS_TOKEN: secret,
        TF_LOG: 'trace',
      },
    );
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
    const tf = workspace(
      `provider "exchangeonline" {\n  organization = "${DEMO_TENANT}"\n  endpoint = "${emulator.url}"\n  access_token = "${emulator.token}"\n}`,
      {
        ...noEnvironment,
        TF_LOG: 'trace',
      },
    );
    try {
      await tf.init();
      const applied = await tf.apply();
      const shown = await tf.expect(['show', '-json']);
      expect(applied.stdout + applied.stderr + shown.stdout + tf.read('terraform.tfstate')).not.toContain(
        emulator.token,
      );
    } finally {
      tf.cleanup();
    }
  });
});

describe('certificate credentials through the packaged provider', () => {
  let emulator: TestEmulator;
  let pfxPath: string;
  const password = 'pfx-pass "quoted" $(x)';
  beforeAll(async () => {
    emulator = await startTestEmulator();
    const directory = mkdtempSync(join(tmpdir(), 'exoform-pfx-'));
    const key = join(directory, 'key.pem');
    const cert = join(directory, 'cert.pem');
    pfxPath = join(directory, 'app.pfx');
    const openssl = (args: string[]): void => {
      const result = spawnSync('openssl', args, { encoding: 'utf8' });
      if (result.status !== 0) throw new Error(`openssl ${args[0]} failed: ${result.stderr}`);
    };
    openssl([
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-keyout',
      key,
      '-out',
      cert,
      '-days',
      '2',
      '-subj',
      '/CN=exoform-test',
    ]);
    openssl(['pkcs12', '-export', '-inkey', key, '-in', cert, '-out', pfxPath, '-passout', `pass:${password}`]);
  });
  afterAll(async () => {
    await emulator.stop();
  });

  function certificateWorkspace(certificatePassword: string): TerraformWorkspace {
    return new TerraformWorkspace(
      {
        'main.tf': `${REQUIRED_PROVIDERS}
variable "certificate_password" {
  type      = string
  sensitive = true
}
provider "exchangeonline" {
  organization         = "${DEMO_TENANT}"
  endpoint             = "${emulator.url}"
  client_id            = "00000000-0000-0000-0000-000000000001"
  certificate_path     = "${pfxPath}"
  certificate_password = var.certificate_password
}
${RESOURCE}`,
      },
      {
        EXO_ENDPOINT: undefined,
        EXO_ORGANIZATION: undefined,
        EXO_ACCESS_TOKEN: undefined,
        TF_VAR_certificate_password: certificatePassword,
        EXOFORM_RETRY_BACKOFF_MS: '10',
      },
    );
  }

  // Planning a create checks the tenant with one call, for which the PFX's key signs a token request to Entra ID: the
  // plan gets as far as that request, past loading the certificate (offline: Entra ID unreachable; online: it knows no
  // such app).
  // The words differ by bridge, on purpose. The REST bridge asks Entra ID itself, so it names the authority it could
  // not get a token from. Over PowerShell the module signs in inside pwsh and the provider never talks to Entra ID:
  // it can only relay Connect-ExchangeOnline's failure (here the pwsh double's, which cannot sign in) with the remedy
  // for a certificate sign-in, whose checklist names `certificate_path` (is that certificate uploaded to the app).
  // What both must show: the PFX and its password were accepted (no configuration error), and the password is secret.
  test('a valid PFX is loaded at configure time (its parser is a side bundle), and the plan gets as far as asking Entra ID for a token', async () => {
    const tf = certificateWorkspace(password);
    try {
      await tf.init();
      const planned = await tf.run(['plan', '-no-color', '-input=false']);
      expect(planned.code).toBe(1);
      const message = flatten(planned.stderr);
      if (bridgeUnderTest() === 'powershell') {
        expect(message).toMatch(/Connect-ExchangeOnline could not sign in to contoso\.onmicrosoft\.com/);
        expect(message).toMatch(/Exchange\.ManageAsApp/);
      } else {
        expect(message).toMatch(/Microsoft Entra ID \(login\.microsoftonline\.com\)/);
        expect(message).not.toMatch(/certificate_password|certificate_path/);
      }
      expect(message).not.toMatch(/Invalid exchangeonline provider configuration|certificate_password/);
      expect(planned.stdout + planned.stderr).not.toContain(password);
    } finally {
      tf.cleanup();
    }
  });

  test('a PFX with the wrong password fails the plan, naming the setting, without echoing the password', async () => {
    const tf = certificateWorkspace('not-the-password');
    try {
      await tf.init();
      const result = await tf.run(['plan', '-no-color', '-input=false']);
      expect(result.code).toBe(1);
      const message = flatten(result.stderr);
      expect(message).toMatch(/certificate_password/);
      expect(message).not.toContain('not-the-password');
    } finally {
      tf.cleanup();
    }
  });

  test('the MSAL side bundle shipped beside the provider loads', () => {
    const bundle = join(providerExecutable(), '..', 'exoform-msal.js');
    const result = spawnSync(
      'node',
      [
        '-e',
        `const m = require(${JSON.stringify(bundle)}); process.stdout.write(typeof m.ConfidentialClientApplication)`,
      ],
      { encoding: 'utf8' },
    );
    expect(result.stdout).toBe('function');
  });
});
