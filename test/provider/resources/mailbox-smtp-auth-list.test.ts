/**
 * exchangeonline_mailbox_smtp_auth_list's input checks, in process: a mailbox listed twice in different case is
 * refused, by line from the mailbox_list function and by name in a map literal, before anything is applied. Its
 * lifecycle through terraform: test/acceptance/mailbox-smtp-auth-list.test.ts.
 */
import { startTestEmulator, type TestEmulator } from '../../support/emulator';
import { describeAll, ProviderDriver } from '../../support/provider-driver';

const RESOURCE = 'exchangeonline_mailbox_smtp_auth_list';

describe('exchangeonline_mailbox_smtp_auth_list input', () => {
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

  test('bad input: a mailbox listed twice in different case is refused before anything is applied (file and map literal)', async () => {
    const file = ['# Mailboxes that may use SMTP AUTH', 'sean@contoso.com', 'Sean@Contoso.com', ''].join('\n');
    const fromFile = await driver.callFunction('mailbox_list', file);
    expect(fromFile.error?.text.replace(/\s+/g, ' ')).toMatch(
      /line 3: "Sean@Contoso.com" repeats line 2 \(as "sean@contoso.com"; addresses are not case-sensitive\)/,
    );

    const literal = await driver.plan(RESOURCE, {
      config: {
        identities: { 'sean@contoso.com': '', 'Sean@Contoso.com': '' },
        smtp_client_authentication_disabled: false,
        exclusive: true,
      },
    });
    expect(describeAll(literal.errors)).toMatch(/Mailbox listed twice/);
    expect(await emulator.inspect.callsTo('Set-CASMailbox')).toEqual([]);
  });
});
