/**
 * Starts the emulator on a loopback port for a test, and reads/changes its state through the inspection
 * endpoint (/_emulator/...), the way the acceptance tests assert on what really happened in the "tenant".
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startEmulator } from '../../src/emulator';
import type { TenantState } from '../../src/emulator/model';

export const DEMO_TENANT = 'contoso.onmicrosoft.com';
export const TEST_TOKEN = 'exoform-test-token-7f3a9c';

export interface TestEmulator {
  url: string;
  token: string;
  dataFile: string;
  inspect: EmulatorInspector;
  /** EXO_* variables that point the provider at this emulator. */
  providerEnv: Record<string, string>;
  stop(): Promise<void>;
}

export async function startTestEmulator(options: { seed?: string; token?: string } = {}): Promise<TestEmulator> {
  const directory = mkdtempSync(join(tmpdir(), 'exoform-emu-'));
  const dataFile = join(directory, 'state.json');
  const token = options.token ?? TEST_TOKEN;
  const emulator = await startEmulator({ dataFile, seed: options.seed ?? 'demo', token });
  return {
    url: emulator.url,
    token,
    dataFile,
    inspect: new EmulatorInspector(emulator.url, token),
    providerEnv: { EXO_ENDPOINT: emulator.url, EXO_ORGANIZATION: DEMO_TENANT, EXO_ACCESS_TOKEN: token },
    async stop() {
      await emulator.close();
      rmSync(directory, { recursive: true, force: true });
    },
  };
}

export class EmulatorInspector {
  constructor(private readonly url: string, private readonly token: string) {}

  async request<T>(method: string, path: string, body?: unknown): Promise<T> {
    const response = await fetch(this.url + path, {
      method,
      headers: { authorization: `Bearer ${this.token}`, 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    if (!response.ok) throw new Error(`${method} ${path} → ${response.status}: ${text}`);
    return (text ? JSON.parse(text) : undefined) as T;
  }

  tenant(tenant = DEMO_TENANT): Promise<TenantState> {
    return this.request<TenantState>('GET', `/_emulator/tenants/${encodeURIComponent(tenant)}`);
  }

  /** A recipient's record (mailbox or user) by UPN, as the emulator stores it. */
  async recipient(upn: string, tenant = DEMO_TENANT): Promise<TenantState['recipients'][number]> {
    const found = (await this.tenant(tenant)).recipients.find((r) => r.UserPrincipalName.toLowerCase() === upn.toLowerCase());
    if (!found) throw new Error(`no recipient ${upn} in ${tenant}`);
    return found;
  }

  /** SmtpClientAuthenticationDisabled of each named mailbox, for compact assertions. */
  async overrides(upns: string[], tenant = DEMO_TENANT): Promise<Record<string, boolean | null>> {
    const state = await this.tenant(tenant);
    const out: Record<string, boolean | null> = {};
    for (const upn of upns) out[upn] = state.recipients.find((r) => r.UserPrincipalName === upn)?.SmtpClientAuthenticationDisabled ?? null;
    return out;
  }

  setRecipient(identity: string, values: Record<string, unknown>, tenant = DEMO_TENANT): Promise<unknown> {
    return this.request('PATCH', `/_emulator/tenants/${encodeURIComponent(tenant)}/recipients/${encodeURIComponent(identity)}`, values);
  }

  addFault(rule: Record<string, unknown>): Promise<unknown> {
    return this.request('POST', '/_emulator/faults', rule);
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
}
