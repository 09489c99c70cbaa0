/**
 * The latency model must never outlive what it is for: a closed emulator or a client that hung up clears its timers
 * at once, and a request whose client is gone does not run its cmdlet.
 */
import { RunningEmulator, startEmulator } from '../../src/emulator';
import { DEMO, TOKEN, TestEmulator, cmdletBody } from './helpers';

const inFlightCount = (emulator: RunningEmulator): number =>
  (emulator.control.stats.snapshot() as { inFlight: number }).inFlight;
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function waitFor(condition: () => Promise<boolean>, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await sleep(20);
  }
}

describe('latency timers', () => {
  it('an in-process emulator with 20 s latency closes promptly with a request in flight', async () => {
    const emulator = await startEmulator({ token: TOKEN, latency: { callMs: 20_000 } });
    const inFlight = fetch(`${emulator.url}/adminapi/beta/${DEMO}/InvokeCommand`, {
      method: 'POST',
      headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify(cmdletBody('Set-TransportConfig', { SmtpClientAuthenticationDisabled: false })),
    }).then(
      () => 'answered',
      () => 'failed',
    );
    await waitFor(async () => inFlightCount(emulator) === 1);
    const started = Date.now();
    await emulator.close();
    expect(Date.now() - started).toBeLessThan(3000); // vs. the 20 s a leftover timer would take
    expect(await inFlight).toBe('failed');
    expect(inFlightCount(emulator)).toBe(0);
    // The cmdlet never ran: the emulator was closing.
    expect(emulator.control.store.tenants[0]!.transportConfig.SmtpClientAuthenticationDisabled).toBe(true);
  });

  it('also while a new connection waits out its connect latency', async () => {
    const emulator = await startEmulator({ token: TOKEN, latency: { connectMs: 20_000 } });
    const inFlight = fetch(`${emulator.url}/adminapi/beta/${DEMO}/InvokeCommand`, {
      method: 'POST',
      headers: { authorization: `Bearer ${TOKEN}` },
      body: JSON.stringify(cmdletBody('Get-TransportConfig')),
    }).then(
      () => 'answered',
      () => 'failed',
    );
    await sleep(200);
    const started = Date.now();
    await emulator.close();
    expect(Date.now() - started).toBeLessThan(3000); // vs. the 20 s a leftover timer would take
    expect(await inFlight).toBe('failed');
  });

  it('a client that hangs up ends the wait at once, and its cmdlet does not run', async () => {
    const emu = await TestEmulator.start({ latency: { callMs: 20_000 } });
    try {
      const controller = new AbortController();
      const request = fetch(`${emu.url}/adminapi/beta/${DEMO}/InvokeCommand`, {
        method: 'POST',
        headers: { authorization: `Bearer ${TOKEN}` },
        signal: controller.signal,
        body: JSON.stringify(cmdletBody('Set-TransportConfig', { SmtpClientAuthenticationDisabled: false })),
      }).catch(() => undefined);
      await waitFor(async () => inFlightCount(emu.emulator) === 1);
      controller.abort();
      await request;
      await waitFor(async () => inFlightCount(emu.emulator) === 0, 3000);
      expect(emu.emulator.tenants()[0]!.revision).toBe(0);
      expect(emu.emulator.control.calls.list({}).total).toBe(0);
    } finally {
      await emu.close();
    }
  });
});
