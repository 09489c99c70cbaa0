/**
 * The end of December 2026, in process against the emulator: the readiness data source warns about a property
 * exoform does not model, and after the emulator's switch flip (its own guess of Microsoft's change) a configuration
 * that wants SMTP AUTH kept on refreshes the flipped values and plans them back. The documented `check` block, which
 * only Terraform evaluates, runs through terraform in test/acceptance/december-2026.test.ts.
 */
import { DEMO_TENANT, startTestEmulator, type TestEmulator } from '../support/emulator';
import { ok, ProviderDriver } from '../support/provider-driver';

describe('December 2026 in plans', () => {
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

  test('the readiness data source warns about a property exoform does not model, with where it was seen', async () => {
    await emulator.inspect.request('PUT', `/_emulator/tenants/${DEMO_TENANT}/unmodelled-properties`, {
      'Get-TransportConfig': { SmtpClientBasicAuthenticationRetired: true },
    });
    try {
      const read = ok(await driver.readDataSource('exchangeonline_smtp_auth_readiness', { read_graph: false }));
      const warning = read.diagnostics.find(
        (d) => d.summary === 'Unmodelled property SmtpClientBasicAuthenticationRetired on Get-TransportConfig',
      );
      expect(warning?.severity).toBe('warning');
      expect(warning?.detail.replace(/\s+/g, ' ')).toContain(
        `Get-TransportConfig returned SmtpClientBasicAuthenticationRetired = true (on ${DEMO_TENANT}\\Transport ` +
          'Settings): exoform does not model it: the verdicts may not yet account for it.',
      );
    } finally {
      await emulator.inspect.request('PUT', `/_emulator/tenants/${DEMO_TENANT}/unmodelled-properties`, {});
    }
  });

  test('after the emulator flips the switch, a configuration wanting SMTP AUTH on plans it back', async () => {
    const TRANSPORT = 'exchangeonline_transport_config';
    const POLICY = 'exchangeonline_authentication_policy';
    const transportConfig = { smtp_client_authentication_disabled: false };
    const policyConfig = { name: 'Printers', allow_basic_auth_smtp: true };
    const transport = ok(await driver.planAndApply(TRANSPORT, { config: transportConfig }));
    const policy = ok(await driver.planAndApply(POLICY, { config: policyConfig }));
    // Nothing to change before the flip (`terraform plan` would exit 0).
    expect(ok(await driver.plan(TRANSPORT, { prior: transport.state, config: transportConfig })).planned).toEqual(
      transport.state,
    );
    expect(ok(await driver.plan(POLICY, { prior: policy.state, config: policyConfig })).planned).toEqual(policy.state);

    await emulator.inspect.request('POST', `/_emulator/tenants/${DEMO_TENANT}/switch`, { flip: 'both' });
    // The refresh sees the flip ...
    const transportRead = ok(await driver.read(TRANSPORT, transport.state));
    const policyRead = ok(await driver.read(POLICY, policy.state));
    expect(transportRead.state).toMatchObject({ smtp_client_authentication_disabled: true });
    expect(policyRead.state).toMatchObject({ allow_basic_auth_smtp: false });
    // ... and the plan puts both back (an in-place update: nothing forces replacement).
    const transportPlan = ok(await driver.plan(TRANSPORT, { prior: transportRead.state, config: transportConfig }));
    expect(transportPlan.requiresReplace).toEqual([]);
    expect(transportPlan.planned).toMatchObject({ smtp_client_authentication_disabled: false });
    const policyPlan = ok(await driver.plan(POLICY, { prior: policyRead.state, config: policyConfig }));
    expect(policyPlan.requiresReplace).toEqual([]);
    expect(policyPlan.planned).toMatchObject({ allow_basic_auth_smtp: true });

    ok(
      await driver.apply(TRANSPORT, {
        prior: transportRead.state,
        planned: transportPlan.planned,
        config: transportConfig,
      }),
    );
    ok(await driver.apply(POLICY, { prior: policyRead.state, planned: policyPlan.planned, config: policyConfig }));
    expect((await emulator.inspect.tenant()).transportConfig.SmtpClientAuthenticationDisabled).toBe(false);
    expect((await emulator.inspect.authenticationPolicy('Printers'))?.AllowBasicAuthSmtp).toBe(true);
  });
});
