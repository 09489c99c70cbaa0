/**
 * What only terraform and the packaged provider show about provider configuration: a token given in the provider
 * block never shows up in plan output, logs or state, and a PFX is loaded through the packaged side bundle. Each
 * bad setting's diagnostic is checked in process in test/provider/provider-config.test.ts.
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { providerExecutable } from '../../scripts/package';
import { REQUIRED_PROVIDERS, TerraformWorkspace } from '../support/terraform';
import { bridgeUnderTest, DEMO_TENANT, startTestEmulator, type TestEmulator } from '../support/emulator';
import { opensslPfx } from '../support/openssl-pfx';

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
    pfxPath = opensslPfx(password).pfxPath;
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
