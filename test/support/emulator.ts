/**
 * Starts the emulator on a loopback port for a test, and reads/changes its state through the inspection
 * endpoint (/_emulator/...), the way the acceptance tests assert on what really happened in the "tenant".
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startEmulator } from '../../src/emulator';
import type { TenantState } from '../../src/emulator/model';
import type { LatencySettings } from '../../src/emulator/control';
import type { FixtureDocument } from '../../src/emulator/fixture';

export const DEMO_TENANT = 'contoso.onmicrosoft.com';
export const TEST_TOKEN = 'exoform-test-token-7f3a9c';

/** The pwsh stand-in (a TEST DOUBLE, not PowerShell): see test/support/pwsh-stand-in/README.md. */
export const PWSH_STAND_IN = join(__dirname, 'pwsh-stand-in', 'pwsh-stand-in.js');

/**
 * Provider variables that select the bridge under test. Empty (the REST bridge) unless EXOFORM_TEST_BRIDGE=powershell
 * (`npm run test:powershell`), which runs the README's PowerShell tier through the PowerShell bridge and the pwsh
 * stand-in.
 */
export function bridgeEnvironment(
  bridge: string | undefined = process.env.EXOFORM_TEST_BRIDGE,
): Record<string, string> {
  if (bridge === undefined || bridge === '' || bridge === 'rest') return {};
  if (bridge === 'powershell') return { EXO_BRIDGE: 'powershell', EXO_POWERSHELL_PATH: PWSH_STAND_IN };
  throw new Error(`EXOFORM_TEST_BRIDGE must be "rest" or "powershell", got ${JSON.stringify(bridge)}`);
}

/** The bridge the acceptance tests run through: `rest` (`npm test`) or `powershell` (`npm run test:powershell`). */
export function bridgeUnderTest(bridge: string | undefined = process.env.EXOFORM_TEST_BRIDGE): 'rest' | 'powershell' {
  return Object.keys(bridgeEnvironment(bridge)).length === 0 ? 'rest' : 'powershell';
}

export interface TestEmulator {
  url: string;
  token: string;
  dataFile: string;
  inspect: EmulatorInspector;
  /** EXO_* variables that point the provider at this emulator. */
  providerEnv: Record<string, string>;
  stop(): Promise<void>;
}

/**
 * The emulator's answer dialect for this run: EXOFORM_EMULATOR_DIALECT (e.g. `strictest`, to run any acceptance file
 * against every answer form at once), or the default forms.
 */
export function testDialect(dialect: string | undefined = process.env.EXOFORM_EMULATOR_DIALECT): string | undefined {
  return dialect === undefined || dialect.trim() === '' ? undefined : dialect;
}

export async function startTestEmulator(
  options: {
    seed?: string | FixtureDocument;
    token?: string;
    dialect?: string;
    latency?: Partial<LatencySettings>;
  } = {},
): Promise<TestEmulator> {
  const directory = mkdtempSync(join(tmpdir(), 'exoform-emu-'));
  const dataFile = join(directory, 'state.json');
  const token = options.token ?? TEST_TOKEN;
  const emulator = await startEmulator({
    dataFile,
    seed: options.seed ?? 'demo',
    token,
    dialect: options.dialect ?? testDialect(),
    latency: options.latency,
  });
  return {
    url: emulator.url,
    token,
    dataFile,
    inspect: new EmulatorInspector(emulator.url, token),
    providerEnv: {
      EXO_ENDPOINT: emulator.url,
      EXO_ORGANIZATION: DEMO_TENANT,
      EXO_ACCESS_TOKEN: token,
      ...bridgeEnvironment(),
    },
    async stop() {
      await emulator.close();
      rmSync(directory, { recursive: true, force: true });
    },
  };
}

export class EmulatorInspector {
  constructor(
    private readonly url: string,
    private readonly token: string,
  ) {}

  async request<T>(method: string, path: string, body?: unknown): Promise<T> {
    const send = (url: string): Promise<Response> =>
      fetch(url, {
        method,
        headers: { authorization: `Bearer ${this.token}`, 'content-type': 'application/json' },
        body: body === undefined ? undefined : JSON.stringify(body),
        // fetch would turn a redirected POST into a GET; the admin API's redirect (dialect `redirect`) is followed
        // as the bridge follows it: the same request again, at the tenant-specific host.
        redirect: 'manual',
      });
    let response = await send(this.url + path);
    const location = response.headers.get('location');
    if (response.status >= 300 && response.status < 400 && location) response = await send(location);
    const text = await response.text();
    if (!response.ok) throw new Error(`${method} ${path} → ${response.status}: ${text}`);
    return (text ? JSON.parse(text) : undefined) as T;
  }

  tenant(tenant = DEMO_TENANT): Promise<TenantState> {
    return this.request<TenantState>('GET', `/_emulator/tenants/${encodeURIComponent(tenant)}`);
  }

  /** A recipient's record (mailbox or user) by UPN, as the emulator stores it. */
  async recipient(upn: string, tenant = DEMO_TENANT): Promise<TenantState['recipients'][number]> {
    const found = (await this.tenant(tenant)).recipients.find(
      (r) => r.UserPrincipalName.toLowerCase() === upn.toLowerCase(),
    );
    if (!found) throw new Error(`no recipient ${upn} in ${tenant}`);
    return found;
  }

  /** SmtpClientAuthenticationDisabled of each named mailbox, for compact assertions. */
  async overrides(upns: string[], tenant = DEMO_TENANT): Promise<Record<string, boolean | null>> {
    const state = await this.tenant(tenant);
    const out: Record<string, boolean | null> = {};
    for (const upn of upns)
      out[upn] = state.recipients.find((r) => r.UserPrincipalName === upn)?.SmtpClientAuthenticationDisabled ?? null;
    return out;
  }

  setRecipient(identity: string, values: Record<string, unknown>, tenant = DEMO_TENANT): Promise<unknown> {
    return this.request(
      'PATCH',
      `/_emulator/tenants/${encodeURIComponent(tenant)}/recipients/${encodeURIComponent(identity)}`,
      values,
    );
  }

  addFault(rule: Record<string, unknown> | Array<Record<string, unknown>>): Promise<unknown> {
    return this.request('POST', '/_emulator/faults', rule);
  }

  /** Fault rules with how often each matched and fired. */
  async faults(): Promise<
    Array<{
      id: string;
      cmdlet: string | null;
      status: number;
      when: string;
      reset: boolean;
      matched: number;
      fired: number;
    }>
  > {
    return (
      await this.request<{
        rules: Array<{
          id: string;
          cmdlet: string | null;
          status: number;
          when: string;
          reset: boolean;
          matched: number;
          fired: number;
        }>;
      }>('GET', '/_emulator/faults')
    ).rules;
  }

  /** Reads (Get-*) lag writes by `ms` from now on (0 turns the model off). */
  setReplicationLag(ms: number): Promise<unknown> {
    return this.request('PATCH', '/_emulator/latency', { replicationLagMs: ms });
  }

  clearFaults(): Promise<unknown> {
    return this.request('DELETE', '/_emulator/faults');
  }

  calls(): Promise<{ calls: Array<{ cmdlet: string; parameters: Record<string, unknown>; status: number }> }> {
    return this.request('GET', '/_emulator/calls');
  }

  clearCalls(): Promise<unknown> {
    return this.request('DELETE', '/_emulator/calls');
  }

  setTransportConfig(values: Record<string, boolean | null>, tenant = DEMO_TENANT): Promise<unknown> {
    return this.request('PATCH', `/_emulator/tenants/${encodeURIComponent(tenant)}/transport-config`, values);
  }

  /** Changes the organization config behind Terraform's back, e.g. `{ DefaultAuthenticationPolicy: null }`. */
  setOrganizationConfig(values: Record<string, string | null>, tenant = DEMO_TENANT): Promise<unknown> {
    return this.request('PATCH', `/_emulator/tenants/${encodeURIComponent(tenant)}/organization-config`, values);
  }

  /** An authentication policy's record by name (case-insensitive), or undefined when the tenant has none by that name. */
  async authenticationPolicy(
    name: string,
    tenant = DEMO_TENANT,
  ): Promise<TenantState['authenticationPolicies'][number] | undefined> {
    return (await this.tenant(tenant)).authenticationPolicies.find((p) => p.Name.toLowerCase() === name.toLowerCase());
  }

  /**
   * Runs a cmdlet through the emulator's admin API, as an administrator in PowerShell would: a change behind
   * Terraform's back that, unlike the inspection routes, also shows in the call log.
   */
  async invoke(
    cmdlet: string,
    parameters: Record<string, unknown> = {},
    tenant = DEMO_TENANT,
  ): Promise<Array<Record<string, unknown>>> {
    const answer = await this.request<{ value: Array<Record<string, unknown>> }>(
      'POST',
      `/adminapi/beta/${encodeURIComponent(tenant)}/InvokeCommand`,
      {
        CmdletInput: { CmdletName: cmdlet, Parameters: parameters },
      },
    );
    return answer.value;
  }

  /** The calls made to one cmdlet (oldest first) with their HTTP status, from the emulator's call log. */
  async callsTo(
    cmdlet: string,
  ): Promise<Array<{ cmdlet: string; parameters: Record<string, unknown>; status: number }>> {
    const log = await this.request<{
      calls: Array<{ cmdlet: string; parameters: Record<string, unknown>; status: number }>;
    }>('GET', `/_emulator/calls?cmdlet=${encodeURIComponent(cmdlet)}`);
    return log.calls;
  }
}
