/**
 * Where the bridge contract runs: the emulator (always), or a real tenant with real pwsh (opt-in).
 *
 * Emulator target: every scenario gets two fresh emulators with the same seed, one per bridge, so each bridge's
 * effect on the tenant and the exact calls the service received can be compared too. The PowerShell bridge runs
 * through node-powershell and the pwsh stand-in (a TEST DOUBLE), or through the pwsh named by
 * EXOFORM_CONTRACT_EMULATOR_PWSH (unverified: the module must accept an http ConnectionUri).
 *
 * Real target (EXOFORM_CONTRACT_REAL=1): both bridges against one real tenant, one after the other; see README.md.
 */
import { join } from 'node:path';
import type { ExchangeBridge } from '../../src/bridge/bridge';
import { createPowerShellBridge } from '../../src/bridge/powershell/powershell-exports';
import { createRestBridge } from '../../src/bridge/rest/rest-exports';
import { startEmulator, type RunningEmulator } from '../../src/emulator';
import { EmulatorInspector } from '../support/emulator';

export type BridgeKind = 'rest' | 'powershell';
export const BRIDGES: readonly BridgeKind[] = ['rest', 'powershell'];
export const STAND_IN = join(__dirname, '../support/pwsh-stand-in/pwsh-stand-in.js');

export interface CredentialOverrides {
  accessToken?: string;
  organization?: string;
}

/** One bridge in one scenario run. */
export interface Lane {
  readonly kind: BridgeKind;
  readonly bridge: ExchangeBridge;
  readonly organization: string;
  /** A mailbox the scenario may read (and, with writes allowed, change and restore). */
  readonly mailbox: string;
  /** An identity that exists nowhere in the tenant. */
  readonly missingIdentity: string;
  /** Writes are always allowed on the emulator; on a real tenant only with EXOFORM_CONTRACT_WRITES=1. */
  readonly writesAllowed: boolean;
  /** Emulator target only. */
  readonly inspect?: EmulatorInspector;
  /** Another bridge of the same kind with other credentials (emulator target only). */
  bridgeWith(overrides: CredentialOverrides): ExchangeBridge;
  close(): Promise<void>;
}

export interface Target {
  readonly name: 'emulator' | 'real tenant';
  readonly real: boolean;
  /** A fresh lane for one bridge (a fresh emulator on the emulator target). */
  lane(kind: BridgeKind): Promise<Lane>;
}

const FAST_RETRY = { initialBackoffMs: 10 };

function makeBridge(
  kind: BridgeKind,
  settings: {
    organization: string;
    endpoint?: string;
    accessToken?: string;
    clientId?: string;
    certificatePath?: string;
    certificatePassword?: string;
  },
  pwsh: string,
  real: boolean,
): ExchangeBridge {
  const retry = real ? {} : { retry: FAST_RETRY };
  if (kind === 'rest') return createRestBridge(settings, { ...retry, checkCertificateNow: true });
  return createPowerShellBridge(
    { ...settings, powershellPath: pwsh },
    { ...retry, checkCertificateNow: true, timeouts: real ? {} : { callMs: 30_000 } },
  );
}

export const emulatorTarget: Target = {
  name: 'emulator',
  real: false,
  async lane(kind) {
    const token = `contract-${kind}-token`;
    const emulator: RunningEmulator = await startEmulator({ token, seed: 'demo' });
    const organization = 'contoso.onmicrosoft.com';
    const pwsh = process.env.EXOFORM_CONTRACT_EMULATOR_PWSH || STAND_IN;
    const bridges: ExchangeBridge[] = [];
    const build = (overrides: CredentialOverrides = {}): ExchangeBridge => {
      const bridge = makeBridge(
        kind,
        {
          organization: overrides.organization ?? organization,
          endpoint: emulator.url,
          accessToken: overrides.accessToken ?? token,
        },
        pwsh,
        false,
      );
      bridges.push(bridge);
      return bridge;
    };
    return {
      kind,
      bridge: build(),
      organization,
      mailbox: 'sean@contoso.com',
      missingIdentity: 'exoform-contract-missing@contoso.com',
      writesAllowed: true,
      inspect: new EmulatorInspector(emulator.url, token),
      bridgeWith: build,
      async close() {
        await Promise.all(bridges.map((bridge) => bridge.close()));
        await emulator.close();
      },
    };
  },
};

/** Environment variables of the opt-in real-tenant run (documented in README.md and docs/guides/powershell-bridge.md). */
export const REAL_ENVIRONMENT = {
  enable: 'EXOFORM_CONTRACT_REAL',
  organization: 'EXOFORM_CONTRACT_ORGANIZATION',
  accessToken: 'EXOFORM_CONTRACT_ACCESS_TOKEN',
  clientId: 'EXOFORM_CONTRACT_CLIENT_ID',
  certificatePath: 'EXOFORM_CONTRACT_CERTIFICATE_PATH',
  certificatePassword: 'EXOFORM_CONTRACT_CERTIFICATE_PASSWORD',
  pwsh: 'EXOFORM_CONTRACT_PWSH',
  mailbox: 'EXOFORM_CONTRACT_MAILBOX',
  writes: 'EXOFORM_CONTRACT_WRITES',
} as const;

export function realTarget(environment: NodeJS.ProcessEnv = process.env): Target | undefined {
  if (environment[REAL_ENVIRONMENT.enable] !== '1') return undefined;
  const required = (name: string): string => {
    const value = environment[name];
    if (!value) throw new Error(`${REAL_ENVIRONMENT.enable}=1 needs ${name} (see test/contract/README.md)`);
    return value;
  };
  const organization = required(REAL_ENVIRONMENT.organization);
  const mailbox = required(REAL_ENVIRONMENT.mailbox);
  const settings = environment[REAL_ENVIRONMENT.accessToken]
    ? { organization, accessToken: environment[REAL_ENVIRONMENT.accessToken] }
    : {
        organization,
        clientId: required(REAL_ENVIRONMENT.clientId),
        certificatePath: required(REAL_ENVIRONMENT.certificatePath),
        certificatePassword: environment[REAL_ENVIRONMENT.certificatePassword] || undefined,
      };
  const pwsh = environment[REAL_ENVIRONMENT.pwsh] || 'pwsh';
  const domain = organization.includes('.') ? organization : mailbox.slice(mailbox.indexOf('@') + 1);
  return {
    name: 'real tenant',
    real: true,
    async lane(kind) {
      const bridge = makeBridge(kind, settings, pwsh, true);
      return {
        kind,
        bridge,
        organization,
        mailbox,
        missingIdentity: `exoform-contract-missing-7c1f@${domain}`,
        writesAllowed: environment[REAL_ENVIRONMENT.writes] === '1',
        bridgeWith() {
          throw new Error('not available on a real tenant');
        },
        close: () => bridge.close(),
      };
    },
  };
}
