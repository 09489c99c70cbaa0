/**
 * Bad provider configuration, in process: each case reaches the user as a diagnostic that names the setting and
 * says what to do, and no secret appears in a diagnostic or in the provider's log at trace level. Terraform still
 * runs in test/acceptance/provider-config.test.ts for what only it shows: a token kept out of plan output, logs and
 * state, and a PFX loaded by the packaged provider's side bundle.
 */
import { rmSync } from 'node:fs';
import { DEMO_TENANT, startTestEmulator, type TestEmulator } from '../support/emulator';
import { opensslPfx } from '../support/openssl-pfx';
import { type Diagnosed, describeAll, ok, ProviderDriver, recordingLogger } from '../support/provider-driver';

const RESOURCE = 'exchangeonline_transport_config';
const text = (outcome: Diagnosed): string => describeAll(outcome.errors);

describe('provider configuration errors', () => {
  let emulator: TestEmulator;
  const drivers: ProviderDriver[] = [];
  async function provider(env: NodeJS.ProcessEnv = {}, logger = recordingLogger()): Promise<ProviderDriver> {
    const driver = await ProviderDriver.start({ env, logger, configure: false });
    drivers.push(driver);
    return driver;
  }
  beforeAll(async () => {
    emulator = await startTestEmulator();
  });
  afterAll(async () => {
    for (const driver of drivers) await driver.stop();
    await emulator?.stop();
  });

  test('allow_legacy_tls_clients = true in a cloud without a legacy endpoint fails the plan, naming the cloud', async () => {
    const settings = (environment: string) => ({
      organization: DEMO_TENANT,
      endpoint: emulator.url,
      environment,
    });
    const config = { allow_legacy_tls_clients: true };
    const gccHigh = await provider({ EXO_ACCESS_TOKEN: emulator.token });
    ok(await gccHigh.configure(settings('O365USGovGCCHigh')));
    const refused = await gccHigh.plan(RESOURCE, { config });
    expect(text(refused)).toMatch(/Legacy TLS clients are not available in Microsoft 365 GCC High/);
    expect(text(refused)).toMatch(/allow_legacy_tls_clients = false/);
    // The same configuration in a cloud that has a legacy endpoint plans, with that cloud's legacy host.
    const china = await provider({ EXO_ACCESS_TOKEN: emulator.token });
    ok(await china.configure(settings('O365China')));
    const planned = ok(await china.plan(RESOURCE, { config }));
    expect(JSON.stringify(planned.planned)).toMatch(/smtp-legacy\.partner\.outlook\.cn/);
  });

  test('an unknown environment names the setting, its variable and the accepted names', async () => {
    const driver = await provider({ EXO_ENVIRONMENT: 'AzureCloud' });
    const configured = await driver.configure({ organization: DEMO_TENANT, endpoint: emulator.url, access_token: 'x' });
    expect(text(configured)).toMatch(/`environment` setting "AzureCloud" is not a Microsoft 365 cloud/);
    expect(text(configured)).toMatch(/O365USGovGCCHigh/);
    expect(text(configured)).toMatch(/EXO_ENVIRONMENT/);
  });

  test('missing organization names the setting and its environment variable', async () => {
    const driver = await provider();
    const configured = await driver.configure({ endpoint: emulator.url, access_token: 'x' });
    expect(text(configured)).toMatch(/Invalid exchangeonline provider configuration/);
    expect(text(configured)).toMatch(/`organization` setting is not set/);
    expect(text(configured)).toMatch(/EXO_ORGANIZATION/);
  });

  test('a token and a certificate together are refused', async () => {
    const driver = await provider();
    const configured = await driver.configure({
      organization: DEMO_TENANT,
      endpoint: emulator.url,
      access_token: 'x',
      client_id: '00000000-0000-0000-0000-000000000001',
      certificate_path: '/nonexistent.pfx',
    });
    expect(configured.errors.length).toBeGreaterThan(0);
    expect(text(configured)).toMatch(/access_token/);
    expect(text(configured)).toMatch(/certificate_path/);
  });

  test('an unreadable certificate file names the path', async () => {
    const driver = await provider();
    const configured = await driver.configure({
      organization: DEMO_TENANT,
      endpoint: emulator.url,
      client_id: '00000000-0000-0000-0000-000000000001',
      certificate_path: '/nonexistent/app.pfx',
    });
    expect(text(configured)).toMatch(/\/nonexistent\/app\.pfx/);
    expect(text(configured)).toMatch(/certificate_path/);
  });

  // A plan that only creates makes one cheap call before planning (the tenant check), so this fails the plan.
  test('an unreachable endpoint says which endpoint and what to check', async () => {
    const driver = await provider();
    ok(await driver.configure({ organization: DEMO_TENANT, endpoint: 'http://127.0.0.1:9', access_token: 'x' }));
    const planned = await driver.plan(RESOURCE, { config: { smtp_client_authentication_disabled: true } });
    expect(text(planned)).toMatch(/Cannot reach Exchange Online/);
    expect(text(planned)).toMatch(/127\.0\.0\.1:9/);
  });

  test('a wrong token is reported as refused credentials, and the token appears in no diagnostic and no log line', async () => {
    const secret = 'wrong-token-value-5521';
    const logger = recordingLogger();
    const driver = await provider({ EXO_ACCESS_TOKEN: secret }, logger);
    ok(await driver.configure({ organization: DEMO_TENANT, endpoint: emulator.url }));
    const applied = await driver.planAndApply(RESOURCE, { config: { smtp_client_authentication_disabled: true } });
    expect(text(applied)).toMatch(/refused the credentials/);
    expect(logger.lines.length).toBeGreaterThan(0);
    expect(JSON.stringify(applied) + logger.lines.join('\n')).not.toContain(secret);
  });
});

describe('certificate credentials, in process', () => {
  let emulator: TestEmulator;
  let directory: string;
  let pfxPath: string;
  const password = 'pfx-pass "quoted" $(x)';
  beforeAll(async () => {
    emulator = await startTestEmulator();
    ({ directory, pfxPath } = opensslPfx(password));
  });
  afterAll(async () => {
    await emulator?.stop();
    rmSync(directory, { recursive: true, force: true });
  });

  test('a PFX with the wrong password fails, naming the setting, without echoing the password', async () => {
    const logger = recordingLogger();
    const driver = await ProviderDriver.start({ logger, configure: false });
    try {
      const configured = await driver.configure({
        organization: DEMO_TENANT,
        endpoint: emulator.url,
        client_id: '00000000-0000-0000-0000-000000000001',
        certificate_path: pfxPath,
        certificate_password: 'not-the-password',
      });
      // Loading the PFX may wait for the first call; then the plan's tenant check reports it.
      const outcome = configured.errors.length
        ? configured
        : await driver.plan(RESOURCE, { config: { smtp_client_authentication_disabled: true } });
      expect(text(outcome)).toMatch(/certificate_password/);
      expect(JSON.stringify(outcome) + logger.lines.join('\n')).not.toContain('not-the-password');
    } finally {
      await driver.stop();
    }
  });
});
