/** The in-process driver itself: it completes configurations, plans and applies as Terraform would, and refuses typos. */
import { DEMO_TENANT, startTestEmulator, type TestEmulator } from './emulator';
import { ok, ProviderDriver } from './provider-driver';

const RESOURCE = 'exchangeonline_transport_config';

describe('ProviderDriver', () => {
  let emulator: TestEmulator;
  let driver: ProviderDriver;
  beforeAll(async () => {
    emulator = await startTestEmulator();
    driver = await ProviderDriver.start({ emulator });
  });
  afterAll(async () => {
    await driver?.stop();
    await emulator?.stop();
  });

  test('fills unset attributes with null and throws on an attribute the schema lacks', () => {
    const full = driver.fill('resource', RESOURCE, { smtp_client_authentication_disabled: true });
    expect(full.smtp_client_authentication_disabled).toBe(true);
    expect(full.id).toBeNull();
    expect(() => driver.fill('resource', RESOURCE, { smtp_auth: true })).toThrow(/has no attribute "smtp_auth"/);
    expect(() => driver.fill('resource', 'exchangeonline_nope', {})).toThrow(/has no resource exchangeonline_nope/);
  });

  test('create, read, import and destroy reach the emulator', async () => {
    const created = ok(await driver.planAndApply(RESOURCE, { config: { smtp_client_authentication_disabled: false } }));
    expect(created.state).toMatchObject({ id: DEMO_TENANT, smtp_client_authentication_disabled: false });
    expect((await emulator.inspect.tenant()).transportConfig.SmtpClientAuthenticationDisabled).toBe(false);
    expect(ok(await driver.read(RESOURCE, created.state)).state).toEqual(created.state);
    const imported = ok(await driver.importState(RESOURCE, DEMO_TENANT));
    expect(imported.resources.map((r) => r.typeName)).toEqual([RESOURCE]);
    const destroyed = ok(await driver.planAndApply(RESOURCE, { prior: created.state, config: null }));
    expect(destroyed.state).toBeNull();
  });

  test('CallFunction answers a result or an error blaming an argument', async () => {
    expect(await driver.callFunction('mailbox_list', 'a@contoso.com\n')).toEqual({ result: { 'a@contoso.com': '' } });
    const bad = await driver.callFunction('mailbox_list', 'not an address\n');
    expect(bad.error).toMatchObject({ argument: 0, text: expect.stringMatching(/white space/) });
  });
});
