/**
 * data "exchangeonline_authentication_policies" in process: an empty tenant reads as no policies and no default.
 * Reading policies, their switches and users through terraform is test/acceptance/authentication-policy-data-source.test.ts.
 */
import { DEMO_TENANT, startTestEmulator, type TestEmulator } from '../../support/emulator';
import { ok, ProviderDriver } from '../../support/provider-driver';

describe('data exchangeonline_authentication_policies', () => {
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

  test('an empty tenant reads as no policies and no default', async () => {
    expect((await emulator.inspect.tenant()).authenticationPolicies ?? []).toEqual([]);
    const read = ok(await driver.readDataSource('exchangeonline_authentication_policies', {}));
    expect(read.state).toMatchObject({ id: DEMO_TENANT, names: [], policies: [], default_policy: null });
  });
});
