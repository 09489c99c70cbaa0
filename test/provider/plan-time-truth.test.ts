/**
 * Plan-time truth, in process: a mailbox managed by two resources with different values, an assignment or default
 * naming a policy that neither exists nor is planned, and an unknown tenant fail at plan. Each ProviderDriver is
 * one provider process, as each terraform command starts one. That the checks hold across the resources of one
 * real `terraform plan`, and that terraform names the failing address, is checked once through terraform in
 * test/acceptance/plan-time-truth.test.ts.
 */
import { startTestEmulator, type TestEmulator } from '../support/emulator';
import { type Diagnosed, describeAll, ok, ProviderDriver } from '../support/provider-driver';

const LIST = 'exchangeonline_mailbox_smtp_auth_list';
const SINGLE = 'exchangeonline_mailbox_smtp_auth';
const text = (outcome: Diagnosed): string => describeAll(outcome.errors);

describe('plan-time truth', () => {
  let emulator: TestEmulator;
  const drivers: ProviderDriver[] = [];
  /** A fresh provider, as a new terraform command starts one. */
  async function provider(env: NodeJS.ProcessEnv = {}): Promise<ProviderDriver> {
    const driver = await ProviderDriver.start({ emulator, env });
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

  const list = {
    identities: { 'sean@contoso.com': '', 'scanner@contoso.com': '' },
    smtp_client_authentication_disabled: false,
  };
  const single = (disabled: boolean) => ({
    identity: 'Sean@contoso.com',
    smtp_client_authentication_disabled: disabled,
  });

  test('a mailbox in a list and in a single resource with different values fails the plan of the second, naming the other, in either order', async () => {
    const listFirst = await provider();
    ok(await listFirst.plan(LIST, { config: list }));
    const second = await listFirst.plan(SINGLE, { config: single(true) });
    expect(second.errors).toHaveLength(1);
    expect(second.errors[0].summary).toBe('Mailbox "Sean@contoso.com" is managed twice with different values');
    expect(second.errors[0].detail).toMatch(/an exchangeonline_mailbox_smtp_auth_list \(/);

    const singleFirst = await provider();
    ok(await singleFirst.plan(SINGLE, { config: single(true) }));
    const other = await singleFirst.plan(LIST, { config: list });
    expect(other.errors).toHaveLength(1);
    expect(other.errors[0].summary).toBe('Mailbox "sean@contoso.com" is managed twice with different values');
    expect(other.errors[0].detail).toMatch(/an exchangeonline_mailbox_smtp_auth \(/);
  });

  test('the same value twice is no conflict', async () => {
    const driver = await provider();
    ok(await driver.plan(LIST, { config: list }));
    ok(await driver.plan(SINGLE, { config: single(false) }));
  });

  test('an assignment or default naming a policy that does not exist fails at plan; a policy planned alongside plans', async () => {
    const missing = await provider();
    await emulator.inspect.clearCalls();
    ok(await missing.plan('exchangeonline_authentication_policy', { config: { name: 'Created Here' } }));
    const assignment = await missing.plan('exchangeonline_authentication_policy_assignment', {
      config: { user: 'scanner@contoso.com', authentication_policy: 'No Such Policy' },
    });
    expect(text(assignment)).toMatch(/Authentication policy "No Such Policy" not found/);
    const defaultPolicy = await missing.plan('exchangeonline_default_authentication_policy', {
      config: { authentication_policy: 'No Such Policy' },
    });
    expect(text(defaultPolicy)).toMatch(/Authentication policy "No Such Policy" not found/);
    expect(await emulator.inspect.callsTo('Set-User')).toEqual([]);

    // Terraform plans the policy first (the others refer to its name), then the two that name it.
    const alongside = await provider();
    ok(await alongside.plan('exchangeonline_authentication_policy', { config: { name: 'Created Here' } }));
    ok(
      await alongside.plan('exchangeonline_authentication_policy_assignment', {
        config: { user: 'scanner@contoso.com', authentication_policy: 'Created Here' },
      }),
    );
    ok(
      await alongside.plan('exchangeonline_default_authentication_policy', {
        config: { authentication_policy: 'Created Here' },
      }),
    );
  });

  test('an unknown tenant fails the plan of resources without state, with the tenant remedy; a known tenant costs one call, and none after a refresh', async () => {
    const config = { smtp_client_authentication_disabled: true };
    // REST bridge whatever EXOFORM_TEST_BRIDGE says: the pwsh stand-in models no unknown tenant.
    const rest = { EXO_BRIDGE: 'rest', EXO_POWERSHELL_PATH: '' };
    const unknown = await provider({ ...rest, EXO_ORGANIZATION: 'fabrikam.onmicrosoft.com' });
    await emulator.inspect.clearCalls();
    const planned = await unknown.plan('exchangeonline_transport_config', { config });
    expect(planned.errors).toHaveLength(1);
    expect(text(planned)).toMatch(
      /The tenant "fabrikam\.onmicrosoft\.com" \(the `organization` setting\) is unknown to Exchange Online/,
    );
    expect(text(planned)).toMatch(
      /Set `organization` \(or the EXO_ORGANIZATION environment variable\) to the tenant's initial domain, `<name>\.onmicrosoft\.com`/,
    );
    expect(text(planned)).not.toMatch(/Exchange role|Exchange Administrator|Assign the app/); // not a role remedy
    expect((await emulator.inspect.calls()).calls.filter((call) => !/^Get-/.test(call.cmdlet))).toEqual([]);

    // The right tenant: the create plan costs one cheap call (the check) ...
    const known = await provider(rest);
    await emulator.inspect.clearCalls();
    ok(await known.plan('exchangeonline_transport_config', { config }));
    expect((await emulator.inspect.calls()).calls.map((call) => call.cmdlet)).toEqual(['Get-TransportConfig']);
    const { state } = ok(await known.planAndApply('exchangeonline_transport_config', { config }));
    // ... and once the service has answered in this process (the next plan's refresh, which the new resource's
    // plan follows through its reference), the check costs nothing more.
    const next = await provider(rest);
    await emulator.inspect.clearCalls();
    const refreshed = ok(await next.read('exchangeonline_transport_config', state));
    ok(await next.plan('exchangeonline_transport_config', { prior: refreshed.state, config }));
    ok(
      await next.plan('exchangeonline_authentication_policy', {
        config: { name: `After ${(refreshed.state as { id: string }).id}` },
      }),
    );
    expect((await emulator.inspect.calls()).calls.map((call) => call.cmdlet)).toEqual([
      'Get-TransportConfig',
      'Get-AuthenticationPolicy',
    ]);
  });
});
