/**
 * exchangeonline_authentication_policy's configuration checks, in process: a bad name is refused at validation,
 * naming the rule, before anything is sent. Its lifecycle through terraform: test/acceptance/authentication-policy.test.ts.
 */
import { startTestEmulator, type TestEmulator } from '../../support/emulator';
import { describeAll, ProviderDriver } from '../../support/provider-driver';

const RESOURCE = 'exchangeonline_authentication_policy';

describe('exchangeonline_authentication_policy configuration', () => {
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

  test('names are checked before anything is sent: at most 64 characters, not blank', async () => {
    const tooLong = await driver.validateResource(RESOURCE, { name: 'x'.repeat(65) });
    expect(tooLong.errors).toHaveLength(1);
    expect(describeAll(tooLong.errors).replace(/\s+/g, ' ')).toMatch(
      /Invalid authentication policy name.*65 characters long; authentication policy names are at most 64/s,
    );
    const blank = await driver.validateResource(RESOURCE, { name: ' ' });
    expect(blank.errors).toHaveLength(1);
    expect(describeAll(blank.errors)).toMatch(/The name is empty/);
    expect(await emulator.inspect.callsTo('New-AuthenticationPolicy')).toHaveLength(0);
  });
});
