/**
 * The prefetch order, in process, for exchangeonline_mailbox_smtp_auth_list: the refresh's bulk read starts while
 * Terraform upgrades the state, the ReadResource that follows uses it (one read, not two), and when Terraform goes
 * on to plan without refreshing (-refresh=false) the read started for nothing is stopped. The provider's debug log
 * is recorded in order with the RPCs the driver sends, as Terraform would see them.
 */
import { bridgeUnderTest, startTestEmulator, type TestEmulator } from '../support/emulator';
import { ok, ProviderDriver, recordingLogger } from '../support/provider-driver';

const LIST = 'exchangeonline_mailbox_smtp_auth_list';

describe('prefetch order', () => {
  let emulator: TestEmulator;
  beforeAll(async () => {
    emulator = await startTestEmulator();
  });
  afterAll(async () => {
    await emulator?.stop();
  });

  test('the refresh read starts during UpgradeResourceState, serves ReadResource, and stops when the plan skips the refresh', async () => {
    const config = (identities: string[]) => ({
      identities: Object.fromEntries(identities.map((identity) => [identity, ''])),
      smtp_client_authentication_disabled: false,
      exclusive: true, // reads every mailbox, so the refresh is a bulk read whatever the list's length
    });
    const setup = await ProviderDriver.start({ emulator });
    let state: unknown;
    try {
      state = ok(await setup.planAndApply(LIST, { config: config(['sean@contoso.com', 'scanner@contoso.com']) })).state;
    } finally {
      await setup.stop();
    }
    // Slow, small pages: the bulk read lasts well beyond the time between the RPCs.
    await emulator.inspect.request('PATCH', '/_emulator/latency', { callMs: 150, pageSize: 2 });
    const bulkReads = async (): Promise<number> =>
      (await emulator.inspect.callsTo('Get-CASMailbox')).filter(
        (c) => c.parameters.ResultSize === 'Unlimited' && !(c as { page?: number }).page,
      ).length;
    const index = (lines: string[], pattern: RegExp): number => lines.findIndex((line) => pattern.test(line));

    // A plan: upgrade, then refresh.
    const planLog = recordingLogger();
    const planning = await ProviderDriver.start({ emulator, logger: planLog });
    try {
      const before = await bulkReads();
      const upgraded = ok(await planning.upgrade(LIST, state, 1));
      const upgradeEnded = planLog.lines.length;
      ok(await planning.read(LIST, upgraded.state));
      if (bridgeUnderTest() === 'powershell') {
        // Cancelling a PowerShell call kills its session, so that bridge starts nothing early: one read, at the refresh.
        expect(index(planLog.lines, /ahead of the refresh/)).toBe(-1);
        expect(await bulkReads()).toBe(before + 1);
        return;
      }
      const started = index(planLog.lines, /invoking Get-CASMailbox/);
      expect(started).toBeGreaterThan(-1);
      expect(started).toBeLessThan(upgradeEnded);
      expect(index(planLog.lines, /the bulk read started ahead of the refresh serves it/)).toBeGreaterThanOrEqual(
        upgradeEnded,
      );
      expect(await bulkReads()).toBe(before + 1); // one read, not two
    } finally {
      await planning.stop();
    }

    // -refresh=false: upgrade, then validate and plan; the read started for nothing is stopped. The apply still works.
    const applyLog = recordingLogger();
    const applying = await ProviderDriver.start({ emulator, logger: applyLog });
    try {
      const upgraded = ok(await applying.upgrade(LIST, state, 1));
      const wanted = config(['sean@contoso.com', 'scanner@contoso.com', 'chris@contoso.com']);
      ok(await applying.planAndApply(LIST, { prior: upgraded.state, config: wanted }));
      expect(index(applyLog.lines, /stopped the bulk read started ahead of it/)).toBeGreaterThan(-1);
      expect(await emulator.inspect.overrides(['chris@contoso.com', 'sean@contoso.com'])).toEqual({
        'chris@contoso.com': false,
        'sean@contoso.com': false,
      });
    } finally {
      await applying.stop();
      await emulator.inspect.request('PATCH', '/_emulator/latency', { callMs: 0 });
    }
  });
});
