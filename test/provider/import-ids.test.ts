/**
 * Import-ID parsing of every resource, in process: a malformed ID is refused naming the accepted forms, before any
 * write; an ID naming something that does not exist says so; the list's named form adopts exactly the mailboxes it
 * names. What only terraform does with an import (the CLI, import blocks, -generate-config-out) stays in each
 * resource's acceptance file.
 */
import { DEMO_TENANT, startTestEmulator, type TestEmulator } from '../support/emulator';
import { type Diagnosed, describeAll, ok, ProviderDriver } from '../support/provider-driver';

const text = (outcome: Diagnosed): string => describeAll(outcome.errors).replace(/\s+/g, ' ');

describe('import IDs', () => {
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
  beforeEach(() => emulator.inspect.clearCalls());
  afterEach(async () => {
    // No import ever writes.
    expect((await emulator.inspect.calls()).calls.filter((call) => !/^Get-/.test(call.cmdlet))).toEqual([]);
  });

  describe('exchangeonline_mailbox_smtp_auth_list', () => {
    const LIST = 'exchangeonline_mailbox_smtp_auth_list';

    test('the named form adopts exactly the mailboxes it names, trimmed, in the case given', async () => {
      for (const upn of ['akol@contoso.com', 'scanner@contoso.com', 'kakers@contoso.com'])
        await emulator.inspect.setRecipient(upn, { SmtpClientAuthenticationDisabled: false });
      await emulator.inspect.clearCalls();
      const imported = ok(await driver.importState(LIST, 'enabled: scanner@contoso.com, AKOL@contoso.com'));
      expect(imported.resources).toHaveLength(1);
      expect(imported.resources[0].state).toMatchObject({
        identities: { 'AKOL@contoso.com': '', 'scanner@contoso.com': '' },
        smtp_client_authentication_disabled: false,
        exclusive: false,
      });
    });

    test('a name that finds no mailbox refuses the import, naming it', async () => {
      const missing = await driver.importState(LIST, 'disabled:nobody@contoso.com,sean@contoso.com');
      expect(missing.resources).toEqual([]);
      expect(text(missing)).toMatch(/Import ID names mailboxes that cannot be adopted/);
      expect(text(missing)).toMatch(/"nobody@contoso.com": no such mailbox/);
    });

    test.each([
      ['an unknown setting', 'allowed:sean@contoso.com', /"allowed:sean@contoso.com" is not a list import ID/],
      ['inherit without names', 'inherit', /"inherit" is not a list import ID/],
      [
        'a mailbox named twice',
        'enabled:sean@contoso.com, SEAN@contoso.com',
        /mailbox 2 "SEAN@contoso.com" is named twice/,
      ],
      ['an empty name', 'enabled:sean@contoso.com,,chris@contoso.com', /mailbox 2 "" is empty/],
    ])('%s is refused, naming the accepted forms', async (_name, id, reason) => {
      const invalid = await driver.importState(LIST, id);
      expect(invalid.resources).toEqual([]);
      expect(invalid.errors.map((e) => e.summary)).toEqual(['Invalid import ID']);
      expect(text(invalid)).toMatch(reason);
      expect(text(invalid)).toMatch(/enabled:scanner@contoso.com,sean@contoso.com/);
    });
  });

  test('exchangeonline_mailbox_smtp_auth: a malformed identity is refused, a missing mailbox is not found', async () => {
    const invalid = await driver.importState('exchangeonline_mailbox_smtp_auth', ' sean@contoso.com');
    expect(invalid.errors.map((e) => e.summary)).toEqual(['Invalid import ID']);
    expect(text(invalid)).toMatch(/The mailbox identity .*white space/);
    const missing = await driver.importState('exchangeonline_mailbox_smtp_auth', 'nobody@contoso.com');
    expect(missing.resources).toEqual([]);
    expect(text(missing)).toMatch(/not found/);
  });

  test('exchangeonline_authentication_policy_assignment: a malformed user is refused with the forms to use', async () => {
    const invalid = await driver.importState('exchangeonline_authentication_policy_assignment', '');
    expect(invalid.errors.map((e) => e.summary)).toEqual(['Invalid import ID']);
    expect(text(invalid)).toMatch(/Import with the user principal name or GUID/);
  });

  test('exchangeonline_authentication_policy: an empty ID is refused, an unknown name is not found', async () => {
    const invalid = await driver.importState('exchangeonline_authentication_policy', '   ');
    expect(invalid.errors.map((e) => e.summary)).toEqual(['Invalid import ID']);
    expect(text(invalid)).toMatch(/Import with the authentication policy name \(or its GUID\)/);
    const missing = await driver.importState('exchangeonline_authentication_policy', 'No Such Policy');
    expect(missing.errors.map((e) => e.summary)).toEqual(['Authentication policy "No Such Policy" not found']);
  });

  test.each(['exchangeonline_transport_config', 'exchangeonline_default_authentication_policy'])(
    '%s: an ID naming another tenant is refused',
    async (typeName) => {
      const other = await driver.importState(typeName, 'fabrikam.onmicrosoft.com');
      expect(other.resources).toEqual([]);
      expect(other.errors.map((e) => e.summary)).toEqual(['Import ID names a different tenant']);
      expect(text(other)).toContain(DEMO_TENANT);
    },
  );
});
