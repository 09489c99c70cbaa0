/**
 * State upgrades, in process: exchangeonline_mailbox_smtp_auth_list state written at schema version 0 (identities
 * as a set, a mailboxes map) comes back in the current shape, reads unchanged and plans no change. State that is
 * already current passes through.
 */
import { startTestEmulator, type TestEmulator } from '../support/emulator';
import { ok, ProviderDriver } from '../support/provider-driver';

const LIST = 'exchangeonline_mailbox_smtp_auth_list';
const ID = '0b7d4c1e-1111-4222-8333-444455556666';

describe('state upgrades', () => {
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

  test('the list is at schema version 1', () => {
    expect(driver.schemaVersion(LIST)).toBe(1);
  });

  test('list state of schema version 0 is upgraded in place, then reads and plans no change', async () => {
    await emulator.inspect.setRecipient('sean@contoso.com', { SmtpClientAuthenticationDisabled: false });
    const sean = await emulator.inspect.recipient('sean@contoso.com');
    const v0 = {
      id: ID,
      identities: ['sean@contoso.com'],
      smtp_client_authentication_disabled: false,
      exclusive: false,
      mailboxes: {
        'sean@contoso.com': {
          guid: sean.Guid,
          primary_smtp_address: 'sean@contoso.com',
          smtp_client_authentication_disabled: false,
        },
      },
      stray_mailboxes: [],
    };
    const upgraded = ok(await driver.upgrade(LIST, v0, 0));
    expect(upgraded.state).toMatchObject({
      id: ID,
      identities: { 'sean@contoso.com': '' },
      out_of_sync: {},
      stray_mailboxes: {},
    });
    expect((upgraded.state as Record<string, unknown>).mailboxes).toBeUndefined();

    const config = { identities: { 'sean@contoso.com': '' }, smtp_client_authentication_disabled: false };
    const read = ok(await driver.read(LIST, upgraded.state));
    expect(read.state).toEqual(upgraded.state);
    expect(ok(await driver.plan(LIST, { prior: read.state, config })).planned).toEqual(read.state);

    // Current state passes through unchanged.
    expect(ok(await driver.upgrade(LIST, read.state, 1)).state).toEqual(read.state);
  });
});
