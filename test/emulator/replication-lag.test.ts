/**
 * The replication-lag model over real HTTP: Get-* sees the tenant as it was `replicationLagMs` ago, writes land at
 * once, and the lag is set from the inspection API (the CLI flag and startEmulator({latency}) feed the same setting).
 * Steady-rate fault rules (`every`) fire deterministically.
 */
import { DEMO, TestEmulator } from './helpers';

describe('replication lag and steady-rate faults', () => {
  let emu: TestEmulator;
  beforeEach(async () => {
    emu = await TestEmulator.start();
  });
  afterEach(async () => {
    await emu.close();
  });

  const orgDisabled = async (): Promise<boolean> =>
    (await emu.invoke(DEMO, 'Get-TransportConfig')).body.value[0].SmtpClientAuthenticationDisabled;

  test('reads lag a write by the configured time; writes and the inspection API see it at once', async () => {
    expect((await emu.inspect('PATCH', 'latency', { replicationLagMs: 400 })).body.replicationLagMs).toBe(400);
    expect(await orgDisabled()).toBe(true);
    expect((await emu.invoke(DEMO, 'Set-TransportConfig', { SmtpClientAuthenticationDisabled: false })).status).toBe(
      200,
    );
    expect(await orgDisabled()).toBe(true); // the replica has not seen it yet
    expect((await emu.inspect('GET', `tenants/${DEMO}`)).body.transportConfig.SmtpClientAuthenticationDisabled).toBe(
      false,
    );
    // A second write within the window still reads as "no change" on the writable copy.
    const again = await emu.invoke(DEMO, 'Set-TransportConfig', { SmtpClientAuthenticationDisabled: false });
    expect(JSON.stringify(again.body)).toContain('no settings');
    await new Promise((resolve) => setTimeout(resolve, 450));
    expect(await orgDisabled()).toBe(false);
    await emu.inspect('PATCH', 'latency', { replicationLagMs: 0 });
    expect((await emu.inspect('PATCH', 'latency', { replicationLagMs: -1 })).status).toBe(400);
  });

  test('a rule with `every` fires on calls nth, nth+every, ...', async () => {
    await emu.inspect('POST', 'faults', { cmdlet: 'Get-TransportConfig', status: 503, nth: 2, every: 3 });
    const statuses: number[] = [];
    for (let i = 0; i < 9; i++) statuses.push((await emu.invoke(DEMO, 'Get-TransportConfig')).status);
    expect(statuses).toEqual([200, 503, 200, 200, 503, 200, 200, 503, 200]);
  });
});
