/**
 * StopProvider (what Terraform sends on Ctrl-C) cancels calls in flight: with the emulator answering each call
 * only after 20 s, an ApplyResourceChange or ReadResource that is waiting on it must answer within a couple of
 * seconds with an error diagnostic saying it was cancelled (a normal response, not a gRPC failure), and calls
 * made after the stop fail just as fast without reaching the service.
 */
import { providerExecutable } from '../../scripts/package';
import type { CtyValue } from '../../src/protocol/msgpack';
import { enums } from '../../src/protocol/protobuf';
import { DEMO_TENANT, type TestEmulator } from '../support/emulator';
import {
  describeDiagnostics,
  dynamic,
  fromDynamic,
  spawnProvider,
  startEmulatorProcess,
  startInProcessProvider,
  within,
  type DiagnosticMessage,
  type PluginClient,
} from '../support/plugin-client';

const P = (method: string): string => `/tfplugin6.Provider/${method}`;
const ERROR = enums['tfplugin6.Diagnostic.Severity'].ERROR;
const RESOURCE = 'exchangeonline_transport_config';
const SLOW_CALL_MS = 20_000;
/** Generous: the point is "answered long before the 20 s the service would take". */
const PROMPT_MS = 3_000;

const CONFIG: Record<string, CtyValue> = {
  id: null,
  smtp_client_authentication_disabled: false,
  allow_legacy_tls_clients: null,
  restore_on_destroy: null,
  original_settings: null,
  legacy_tls_client_endpoint: null,
};
const STATE: Record<string, CtyValue> = {
  id: DEMO_TENANT,
  smtp_client_authentication_disabled: true,
  allow_legacy_tls_clients: false,
  restore_on_destroy: false,
  original_settings: { smtp_client_authentication_disabled: true, allow_legacy_tls_clients: false },
  legacy_tls_client_endpoint: null,
};

interface EmulatorStats {
  inFlight: number;
  totalRequests: number;
}

async function configure(client: PluginClient, emulator: TestEmulator): Promise<void> {
  const response = await client.unary(P('ConfigureProvider'), {
    terraform_version: '1.11.4',
    config: dynamic({
      organization: DEMO_TENANT,
      endpoint: emulator.url,
      access_token: emulator.token,
      client_id: null,
      client_secret: null,
      certificate_path: null,
      certificate_password: null,
    }),
  });
  expect(response.diagnostics).toEqual([]);
}

const stats = (emulator: TestEmulator): Promise<EmulatorStats> =>
  emulator.inspect.request<EmulatorStats>('GET', '/_emulator/stats');

/** Waits (bounded) until the emulator holds a request, i.e. the provider's call is really waiting on the service. */
async function waitForRequestInFlight(emulator: TestEmulator): Promise<void> {
  const deadline = Date.now() + 5_000;
  while ((await stats(emulator)).inFlight < 1) {
    if (Date.now() > deadline) throw new Error('the provider never reached the emulator');
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

/** The one error diagnostic of a cancelled call. */
function expectCancelled(diagnostics: DiagnosticMessage[], operation: RegExp): void {
  const found = diagnostics.filter((d) => d.severity === ERROR);
  if (found.length !== 1) throw new Error(`expected one error diagnostic, got:\n${describeDiagnostics(diagnostics)}`);
  expect(found[0].summary).toMatch(/^Cancelled: /);
  expect(found[0].summary).toMatch(operation);
  expect(found[0].detail).toMatch(/cancelled because Terraform asked the provider to stop/);
}

describe('StopProvider', () => {
  let emulator: TestEmulator;

  // In its own process: a pending 20 s latency timer would otherwise hold this jest worker after the test.
  beforeEach(async () => {
    emulator = await startEmulatorProcess();
  });

  afterEach(async () => {
    await emulator?.stop();
  });

  test('in process: an ApplyResourceChange waiting on the service answers promptly with a "cancelled" diagnostic', async () => {
    const running = await startInProcessProvider();
    try {
      const { client } = running;
      await configure(client, emulator);
      const plan = await client.unary(P('PlanResourceChange'), {
        type_name: RESOURCE,
        prior_state: dynamic(null),
        proposed_new_state: dynamic(CONFIG),
        config: dynamic(CONFIG),
      });
      expect(describeDiagnostics(plan.diagnostics)).toBe('(none)');
      const revision = (await emulator.inspect.tenant()).revision;

      await emulator.inspect.request('PUT', '/_emulator/latency', { callMs: SLOW_CALL_MS });
      const apply = client.call(
        P('ApplyResourceChange'),
        {
          type_name: RESOURCE,
          prior_state: dynamic(null),
          planned_state: plan.planned_state,
          config: dynamic(CONFIG),
        },
        SLOW_CALL_MS + 10_000,
      );
      await waitForRequestInFlight(emulator);

      const stop = await client.call(P('StopProvider'), {});
      expect(stop.status).toBe(0);
      expect(stop.response.Error ?? '').toBe('');

      const result = await within(apply, PROMPT_MS, 'the in-flight ApplyResourceChange answering after StopProvider');
      expect(result.status).toBe(0); // a normal response carrying diagnostics, not a gRPC error
      expectCancelled(result.response.diagnostics, /could not create exchangeonline_transport_config/);
      expect(fromDynamic(result.response.new_state)).toBeNull(); // nothing was created
      expect((await emulator.inspect.tenant()).revision).toBe(revision);

      // After the stop, calls fail fast and never reach the service.
      const requestsBefore = (await stats(emulator)).totalRequests;
      const read = await within(
        client.call(P('ReadResource'), { type_name: RESOURCE, current_state: dynamic(STATE) }),
        PROMPT_MS,
        'a ReadResource after StopProvider answering',
      );
      expect(read.status).toBe(0);
      expectCancelled(read.response.diagnostics, /could not read exchangeonline_transport_config/);
      expect(fromDynamic(read.response.new_state)).toEqual(STATE); // the state is kept as it was
      expect((await stats(emulator)).totalRequests).toBe(requestsBefore);
    } finally {
      await running.stop();
    }
  });

  test('the packaged provider process: a ReadResource in flight is cancelled, later calls too, and Shutdown still exits 0', async () => {
    const provider = await spawnProvider(providerExecutable());
    try {
      const { client } = provider;
      await configure(client, emulator);
      await emulator.inspect.request('PUT', '/_emulator/latency', { callMs: SLOW_CALL_MS });
      const read = client.call(
        P('ReadResource'),
        { type_name: RESOURCE, current_state: dynamic(STATE) },
        SLOW_CALL_MS + 10_000,
      );
      await waitForRequestInFlight(emulator);

      expect((await client.call(P('StopProvider'), {})).status).toBe(0);
      const result = await within(read, PROMPT_MS, 'the in-flight ReadResource answering after StopProvider');
      expect(result.status).toBe(0);
      expectCancelled(result.response.diagnostics, /could not read exchangeonline_transport_config/);

      const apply = await within(
        client.call(P('ApplyResourceChange'), {
          type_name: RESOURCE,
          prior_state: dynamic(STATE),
          planned_state: dynamic({ ...STATE, smtp_client_authentication_disabled: false }),
          config: dynamic(CONFIG),
        }),
        PROMPT_MS,
        'an ApplyResourceChange after StopProvider answering',
      );
      expectCancelled(apply.response.diagnostics, /could not update exchangeonline_transport_config/);
      expect(fromDynamic(apply.response.new_state)).toEqual(STATE);

      await client.call('/plugin.GRPCController/Shutdown', {}).catch(() => undefined);
      expect(await within(provider.exited, 5_000, 'provider exit after Shutdown')).toEqual({ code: 0, signal: null });
      expect(provider.stdout()).toBe(provider.handshakeLine + '\n');
    } finally {
      await provider.kill();
    }
  });
});
