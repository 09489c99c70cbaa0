/**
 * Invisible characters in a single resource's identity, in process: a zero-width space and a no-break space copied
 * into exchangeonline_mailbox_smtp_auth's identity are named with their code point, origin and place, and the error
 * points at mailbox_list. The Notepad allow list read with Terraform's own split and trimspace (which leave the byte
 * order mark in) runs through terraform in test/acceptance/invisible-characters.test.ts.
 */
import { startTestEmulator, type TestEmulator } from '../../support/emulator';
import { ProviderDriver } from '../../support/provider-driver';

describe('invisible characters in identities', () => {
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

  test.each([
    [
      'a zero-width space',
      'sean@contoso.com\u200b',
      'a zero-width space (U+200B), which text copied from a web page',
      'at the end',
    ],
    [
      'a no-break space',
      'sean\u00a0@contoso.com',
      'a no-break space (U+00A0), which text copied from a web page',
      'after "sean"',
    ],
  ])('%s in a single identity is named with its code point and origin', async (_name, identity, named, where) => {
    const plan = await driver.plan('exchangeonline_mailbox_smtp_auth', {
      config: { identity, smtp_client_authentication_disabled: false },
    });
    expect(plan.errors).toHaveLength(1);
    expect(plan.errors[0].summary).toBe('Invalid mailbox identity');
    const detail = plan.errors[0].detail.replace(/\s+/g, ' ');
    expect(detail).toContain(`contains ${named}`);
    expect(detail).toContain(`it is ${where}`);
    expect(detail).toContain('mailbox_list(file("..."))');
  });
});
