/**
 * The contract every ExchangeBridge honours, run through the REST bridge and the PowerShell bridge: the same
 * scenarios must give the same results.
 *
 * Always: against the emulator (PowerShell through node-powershell and the pwsh stand-in, a TEST DOUBLE). Each
 * bridge gets its own fresh emulator, so besides the outcomes the suite compares what the service received (the
 * call log: cmdlet, parameters, status, in order) and the tenant each bridge left behind.
 *
 * Opt-in: against a real tenant with real pwsh and ExchangeOnlineManagement (EXOFORM_CONTRACT_REAL=1; see
 * test/contract/README.md). There, rows are compared on the properties each scenario names.
 */
import { BRIDGES, emulatorTarget, realTarget, type BridgeKind, type Lane, type Target } from './targets';
import { project, SCENARIOS, type Outcome } from './scenarios';

const real = realTarget();
const targets: Target[] = [emulatorTarget, ...(real ? [real] : [])];

interface Observation {
  outcomes: Outcome[];
  calls?: unknown[];
  tenant?: unknown;
}

async function observe(target: Target, kind: BridgeKind, scenario: (typeof SCENARIOS)[number]): Promise<Observation> {
  const lane: Lane = await target.lane(kind);
  try {
    await lane.inspect?.clearCalls();
    const outcomes = await scenario.run(lane);
    scenario.check(outcomes, lane);
    if (!lane.inspect) return { outcomes };
    const log = await lane.inspect.request<{
      calls: Array<{ cmdlet: string; parameters: unknown; status: number; page?: unknown }>;
    }>('GET', '/_emulator/calls');
    const tenant = await lane.inspect.tenant();
    return {
      outcomes,
      calls: log.calls.map((entry) => ({
        cmdlet: entry.cmdlet,
        parameters: entry.parameters,
        status: entry.status,
        page: entry.page ?? null,
      })),
      tenant: {
        ...tenant,
        revision: undefined,
        transportConfig: { ...tenant.transportConfig, WhenChangedUTC: undefined },
        authenticationPolicies: tenant.authenticationPolicies.map((policy) => ({
          ...policy,
          WhenChangedUTC: undefined,
        })),
      },
    };
  } finally {
    await lane.close();
  }
}

describe.each(targets.map((target) => [target.name, target] as const))('bridge contract: %s', (_name, target) => {
  if (target.real) jest.setTimeout(10 * 60_000);
  const scenarios = SCENARIOS.filter((scenario) => !(target.real && scenario.emulatorOnly));

  test.each(scenarios.map((scenario) => [scenario.name, scenario] as const))('%s', async (_scenarioName, scenario) => {
    if (target.real && scenario.writes && process.env.EXOFORM_CONTRACT_WRITES !== '1') {
      console.warn(`skipped on the real tenant (writes): ${scenario.name}; set EXOFORM_CONTRACT_WRITES=1 to run it`);
      return;
    }
    // One after the other: on a real tenant the second run must see what the first one restored.
    const observed: Partial<Record<BridgeKind, Observation>> = {};
    for (const kind of BRIDGES) observed[kind] = await observe(target, kind, scenario);
    const rest = observed.rest!;
    const powershell = observed.powershell!;
    if (target.real) {
      expect(project(powershell.outcomes, scenario.realProperties)).toEqual(
        project(rest.outcomes, scenario.realProperties),
      );
    } else {
      expect(powershell.outcomes).toEqual(rest.outcomes);
      expect(powershell.calls).toEqual(rest.calls);
      expect(powershell.tenant).toEqual(rest.tenant);
    }
  });
});
