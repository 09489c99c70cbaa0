/**
 * Hostile mailbox identities in exchangeonline_mailbox_smtp_auth, in process: sent to the service byte-exact as
 * data, or refused with a clear error before any call. That Terraform carries such values unchanged from a tfvars
 * file, and shows the refusals, is checked once through terraform for the list resource in
 * test/acceptance/hostile-identities.test.ts.
 */
import { startTestEmulator, type TestEmulator } from '../../support/emulator';
import { HOSTILE_PASSED_THROUGH, HOSTILE_REFUSED } from '../../support/hostile-identities';
import { ok, ProviderDriver } from '../../support/provider-driver';

const RESOURCE = 'exchangeonline_mailbox_smtp_auth';
const config = (identity: string) => ({ identity, smtp_client_authentication_disabled: false });

describe('hostile identities in exchangeonline_mailbox_smtp_auth', () => {
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

  async function identitiesSent(): Promise<unknown[]> {
    const { calls } = await emulator.inspect.calls();
    return calls.map((c) => c.parameters?.Identity).filter((v) => v !== undefined);
  }

  test.each(Object.entries(HOSTILE_PASSED_THROUGH))(
    '%s: reaches the emulator byte-exact as a parameter value',
    async (_name, identity) => {
      await emulator.inspect.clearCalls();
      const plan = await driver.plan(RESOURCE, { config: config(identity) });
      expect(await identitiesSent()).toContain(identity);
      expect(plan.errors.map((e) => `${e.summary} ${e.detail}`).join('\n')).toContain('not found');
      // Nothing was changed by it.
      expect((await emulator.inspect.recipient('chris@contoso.com')).SmtpClientAuthenticationDisabled).toBeNull();
    },
  );

  test.each(Object.entries(HOSTILE_REFUSED))(
    '%s: refused with a clear error before any call',
    async (_name, { identity, reason }) => {
      await emulator.inspect.clearCalls();
      const plan = await driver.plan(RESOURCE, { config: config(identity) });
      expect(plan.errors).toHaveLength(1);
      expect(plan.errors[0].summary).toMatch(/Invalid mailbox identity/);
      expect(plan.errors[0].detail).toMatch(reason);
      expect(await identitiesSent()).not.toContain(identity);
    },
  );

  test('a real mailbox with an apostrophe and non-ASCII letters is managed like any other', async () => {
    for (const upn of [`o'brien@contoso.com`, 'zoë@contoso.com']) {
      await emulator.inspect.request('POST', '/_emulator/tenants/contoso.onmicrosoft.com/recipients', { upn });
      const created = ok(await driver.planAndApply(RESOURCE, { config: config(upn) }), `create ${upn}`);
      expect((await emulator.inspect.recipient(upn)).SmtpClientAuthenticationDisabled).toBe(false);
      // Planned again with nothing changed, it plans no change (`terraform plan` would exit 0).
      const refreshed = ok(await driver.read(RESOURCE, created.state));
      expect(refreshed.state).toEqual(created.state);
      const again = ok(await driver.plan(RESOURCE, { prior: refreshed.state, config: config(upn) }));
      expect(again.planned).toEqual(refreshed.state);
      ok(await driver.planAndApply(RESOURCE, { prior: refreshed.state, config: null }), `destroy ${upn}`);
      expect((await emulator.inspect.recipient(upn)).SmtpClientAuthenticationDisabled).toBeNull();
    }
  });
});
