/**
 * The bridge contract: scenarios every ExchangeBridge must answer identically. Each scenario runs once per bridge
 * and returns a plain record of what it observed (rows, warnings, or the typed error's kind); the suite requires the
 * records to be equal, and each scenario also states what the right answer is.
 *
 * Scenarios that write restore what they changed, so the suite can run against a real tenant (writes there only with
 * EXOFORM_CONTRACT_WRITES=1). Scenarios marked `emulatorOnly` need fault injection or other credentials.
 */
import type { CmdletParameters, JsonValue, Row } from '../../src/bridge/bridge';
import { isExchangeError, type ExchangeErrorKind } from '../../src/bridge/errors';
import type { ExchangeBridge } from '../../src/bridge/bridge';
import type { Lane } from './targets';

export type Outcome =
  | { ok: true; rows: Row[]; warnings: string[] }
  | { ok: false; kind: ExchangeErrorKind; cmdlet: string | undefined; message?: string };

export interface Scenario {
  name: string;
  emulatorOnly?: boolean;
  writes?: boolean;
  /** Real tenant: compare only these row properties (services add and format other properties freely). */
  realProperties?: readonly string[];
  run(lane: Lane): Promise<Outcome[]>;
  /** What the right answer is, whichever bridge gave it. */
  check(outcomes: Outcome[], lane: Lane): void;
}

/** Timestamps differ between two runs of the same scenario. */
const VOLATILE = /^When(Changed|Created)|ValidFrom$/;

/** Runs one cmdlet and records its outcome; typed errors are outcomes, anything else fails the test. */
/**
 * One call and its outcome. With `select` the REST bridge trims rows with `$select` and the PowerShell bridge returns
 * whole rows (InvokeOptions.select); the outcome keeps only the selected properties, which both bridges must agree on.
 */
export async function call(
  bridge: ExchangeBridge,
  cmdlet: string,
  parameters: CmdletParameters = {},
  select?: readonly string[],
): Promise<Outcome> {
  try {
    const result = await bridge.invoke(cmdlet, parameters, select ? { select } : {});
    const rows = select
      ? result.rows.map((row) => Object.fromEntries(select.map((name) => [name, row[name] ?? null])))
      : result.rows;
    return { ok: true, rows: rows.map(maskVolatile), warnings: result.warnings };
  } catch (error) {
    if (!isExchangeError(error)) throw error;
    // Message and cmdlet are compared for the kinds whose text is the service's own. For the others each transport
    // words its own diagnosis (the REST bridge's "fixed token cannot be renewed" names no cmdlet, for example);
    // what resources act on is the kind.
    const serviceWorded = error.kind === 'not-found' || error.kind === 'invalid-input' || error.kind === 'service-bug';
    return serviceWorded
      ? { ok: false, kind: error.kind, cmdlet: error.cmdlet, message: error.message }
      : { ok: false, kind: error.kind, cmdlet: undefined };
  }
}

function maskVolatile(row: Row): Row {
  const masked: Row = {};
  for (const [key, value] of Object.entries(row))
    masked[key] = VOLATILE.test(key) && typeof value === 'string' ? '<time>' : value;
  return masked;
}

/** For the real tenant: the named properties only, in a stable order. */
export function project(outcomes: Outcome[], properties: readonly string[] | undefined): unknown[] {
  return outcomes.map((outcome) => {
    if (!outcome.ok) return { ok: false, kind: outcome.kind, cmdlet: outcome.cmdlet };
    if (!properties) return { ok: true, rows: outcome.rows.length, warnings: outcome.warnings.length };
    const rows = outcome.rows.map((row) => Object.fromEntries(properties.map((name) => [name, row[name] ?? null])));
    return { ok: true, rows: rows.sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b))) };
  });
}

const rowsOf = (outcome: Outcome | undefined): Row[] => {
  if (!outcome?.ok) throw new Error(`expected rows, got ${JSON.stringify(outcome)}`);
  return outcome.rows;
};
const kindOf = (outcome: Outcome | undefined): string => (outcome && !outcome.ok ? outcome.kind : 'ok');
const value = (outcome: Outcome | undefined, property: string): JsonValue | undefined => rowsOf(outcome)[0]?.[property];

const HOSTILE_IDENTITIES = [
  'a$(Remove-Mailbox x)@contoso.com',
  `o'brien"double"@contoso.com`,
  'a`whoami`@contoso.com',
  'sean@contoso.com; Remove-Mailbox -Identity chris@contoso.com',
  '$env:EXO_ACCESS_TOKEN',
  'zoë.ñandú-数据-🙂@contoso.com',
  '\u2018; Remove-Mailbox x; \u2019@contoso.com',
  `${'$(x)'.repeat(2000)}@contoso.com`,
];

export const SCENARIOS: Scenario[] = [
  {
    name: 'Get-TransportConfig returns the one organization row',
    realProperties: ['SmtpClientAuthenticationDisabled', 'AllowLegacyTLSClients'],
    run: async ({ bridge }) => [await call(bridge, 'Get-TransportConfig')],
    check: ([outcome]) => {
      expect(rowsOf(outcome)).toHaveLength(1);
      expect(typeof value(outcome, 'SmtpClientAuthenticationDisabled')).toBe('boolean');
    },
  },
  {
    name: 'Set-TransportConfig to the value it has: no change, the service warning comes back',
    writes: true,
    realProperties: [],
    async run({ bridge }) {
      const before = await call(bridge, 'Get-TransportConfig');
      const set = await call(bridge, 'Set-TransportConfig', {
        SmtpClientAuthenticationDisabled: value(before, 'SmtpClientAuthenticationDisabled') as boolean,
      });
      return [before, set];
    },
    check: ([, set]) => {
      expect(rowsOf(set)).toEqual([]);
      if (set?.ok) expect(set.warnings.join(' ')).toMatch(/no settings|not been modified|has not been modified/i);
    },
  },
  {
    name: 'Set-TransportConfig -AllowLegacyTLSClients: change, read back, restore (not set goes back as $null)',
    writes: true,
    realProperties: ['AllowLegacyTLSClients'],
    async run({ bridge }) {
      const before = await call(bridge, 'Get-TransportConfig');
      const original = (value(before, 'AllowLegacyTLSClients') ?? null) as boolean | null;
      const changed = await call(bridge, 'Set-TransportConfig', { AllowLegacyTLSClients: original !== true });
      const after = await call(bridge, 'Get-TransportConfig');
      // A tenant that never set it reads null; restoring null (JSON null, $null in PowerShell) puts "not set" back.
      const restored = await call(bridge, 'Set-TransportConfig', { AllowLegacyTLSClients: original });
      const final = await call(bridge, 'Get-TransportConfig');
      return [before, changed, after, restored, final];
    },
    check: ([before, changed, after, restored, final]) => {
      expect([kindOf(changed), kindOf(restored)]).toEqual(['ok', 'ok']);
      expect(value(after, 'AllowLegacyTLSClients')).toBe(value(before, 'AllowLegacyTLSClients') !== true);
      expect(value(final, 'AllowLegacyTLSClients') ?? null).toBe(value(before, 'AllowLegacyTLSClients') ?? null);
    },
  },
  {
    name: 'Get-CASMailbox by user principal name',
    realProperties: ['PrimarySmtpAddress', 'Guid', 'SmtpClientAuthenticationDisabled'],
    run: async ({ bridge, mailbox }) => [await call(bridge, 'Get-CASMailbox', { Identity: mailbox })],
    check: ([outcome], { mailbox }) => {
      expect(rowsOf(outcome)).toHaveLength(1);
      expect(String(value(outcome, 'PrimarySmtpAddress')).toLowerCase()).toBe(mailbox.toLowerCase());
    },
  },
  {
    name: 'Get-CASMailbox trimmed with $select to what the provider reads',
    realProperties: ['PrimarySmtpAddress', 'ExternalDirectoryObjectId', 'SmtpClientAuthenticationDisabled'],
    run: async ({ bridge, mailbox }) => [
      await call(bridge, 'Get-CASMailbox', { Identity: mailbox }, [
        'Guid',
        'PrimarySmtpAddress',
        'ExternalDirectoryObjectId',
        'SmtpClientAuthenticationDisabled',
      ]),
    ],
    check: ([outcome]) => {
      expect(rowsOf(outcome)).toHaveLength(1);
      expect(rowsOf(outcome)[0]).toHaveProperty('SmtpClientAuthenticationDisabled');
      expect(String(value(outcome, 'Guid'))).toMatch(/^[0-9a-f-]{36}$/i);
    },
  },
  {
    name: 'Get-CASMailbox -ResultSize Unlimited lists every mailbox',
    realProperties: ['ExternalDirectoryObjectId', 'SmtpClientAuthenticationDisabled'],
    run: async ({ bridge }) => [
      await call(bridge, 'Get-CASMailbox', { ResultSize: 'Unlimited' }, [
        'Guid',
        'ExternalDirectoryObjectId',
        'SmtpClientAuthenticationDisabled',
      ]),
    ],
    check: ([outcome]) => expect(rowsOf(outcome).length).toBeGreaterThan(0),
  },
  {
    name: 'a missing mailbox is NotFound',
    run: async ({ bridge, missingIdentity }) => [await call(bridge, 'Get-CASMailbox', { Identity: missingIdentity })],
    check: ([outcome]) => expect(kindOf(outcome)).toBe('not-found'),
  },
  {
    name: 'hostile identities are data: each is NotFound, none changes anything',
    async run({ bridge }) {
      const outcomes: Outcome[] = [];
      for (const identity of HOSTILE_IDENTITIES)
        outcomes.push(await call(bridge, 'Get-CASMailbox', { Identity: identity }));
      return outcomes;
    },
    check: (outcomes, lane) => {
      expect(outcomes.map(kindOf)).toEqual(HOSTILE_IDENTITIES.map(() => 'not-found'));
      if (lane.inspect)
        expect(outcomes.every((outcome) => !outcome.ok && outcome.message?.includes("couldn't be found"))).toBe(true);
    },
  },
  {
    name: 'an unknown parameter is InvalidInput',
    run: async ({ bridge, mailbox }) => [
      await call(bridge, 'Get-CASMailbox', { Identity: mailbox, NoSuchParameter: true }),
    ],
    check: ([outcome]) => expect(kindOf(outcome)).toBe('invalid-input'),
  },
  {
    name: 'a value of the wrong type is InvalidInput',
    run: async ({ bridge, mailbox }) => [
      await call(bridge, 'Set-CASMailbox', { Identity: mailbox, SmtpClientAuthenticationDisabled: 'maybe' }),
    ],
    check: ([outcome]) => expect(kindOf(outcome)).toBe('invalid-input'),
  },
  {
    name: 'Set-CASMailbox override: disabled, inherit ($null), read back each time, restore',
    writes: true,
    realProperties: ['SmtpClientAuthenticationDisabled'],
    async run({ bridge, mailbox }) {
      const before = await call(bridge, 'Get-CASMailbox', { Identity: mailbox });
      const original = (value(before, 'SmtpClientAuthenticationDisabled') ?? null) as boolean | null;
      const steps = [before];
      steps.push(await call(bridge, 'Set-CASMailbox', { Identity: mailbox, SmtpClientAuthenticationDisabled: true }));
      steps.push(await call(bridge, 'Get-CASMailbox', { Identity: mailbox }));
      steps.push(await call(bridge, 'Set-CASMailbox', { Identity: mailbox, SmtpClientAuthenticationDisabled: null }));
      steps.push(await call(bridge, 'Get-CASMailbox', { Identity: mailbox }));
      steps.push(
        await call(bridge, 'Set-CASMailbox', { Identity: mailbox, SmtpClientAuthenticationDisabled: original }),
      );
      return steps;
    },
    check: (steps) => {
      expect(value(steps[2], 'SmtpClientAuthenticationDisabled')).toBe(true);
      expect(value(steps[4], 'SmtpClientAuthenticationDisabled')).toBeNull();
      expect(kindOf(steps[5])).toBe('ok');
    },
  },
  {
    name: 'Get-User by user principal name',
    realProperties: ['UserPrincipalName', 'AuthenticationPolicy'],
    run: async ({ bridge, mailbox }) => [await call(bridge, 'Get-User', { Identity: mailbox })],
    check: ([outcome]) => expect(rowsOf(outcome)).toHaveLength(1),
  },
  {
    name: 'Get-User -Filter with quotes in the OPATH string',
    realProperties: ['UserPrincipalName'],
    run: async ({ bridge }) => [
      await call(bridge, 'Get-User', {
        Filter: "AuthenticationPolicy -eq 'CN=O''Brien\"s $(policy),CN=Auth Policies'",
        ResultSize: 'Unlimited',
      }),
    ],
    check: ([outcome]) => expect(['ok', 'invalid-input']).toContain(kindOf(outcome)),
  },
  {
    name: 'Get-OrganizationConfig carries DefaultAuthenticationPolicy',
    realProperties: ['DefaultAuthenticationPolicy'],
    run: async ({ bridge }) => [await call(bridge, 'Get-OrganizationConfig')],
    check: ([outcome]) => expect(rowsOf(outcome)[0]).toHaveProperty('DefaultAuthenticationPolicy'),
  },
  {
    name: 'Get-AuthenticationPolicy lists the policies',
    realProperties: ['Name', 'AllowBasicAuthSmtp'],
    run: async ({ bridge }) => [await call(bridge, 'Get-AuthenticationPolicy')],
    check: ([outcome]) => expect(kindOf(outcome)).toBe('ok'),
  },
  {
    name: 'authentication policy lifecycle: New, Set, Get, Remove, then NotFound',
    writes: true,
    realProperties: ['Name', 'AllowBasicAuthSmtp', 'AllowBasicAuthPop'],
    async run({ bridge }) {
      const name = 'exoform-contract-policy';
      return [
        await call(bridge, 'New-AuthenticationPolicy', { Name: name, AllowBasicAuthSmtp: true }),
        await call(bridge, 'Set-AuthenticationPolicy', {
          Identity: name,
          AllowBasicAuthSmtp: false,
          AllowBasicAuthPop: true,
        }),
        await call(bridge, 'Get-AuthenticationPolicy', { Identity: name }),
        await call(bridge, 'Remove-AuthenticationPolicy', { Identity: name }),
        await call(bridge, 'Get-AuthenticationPolicy', { Identity: name }),
      ];
    },
    check: (steps) => {
      expect(steps.slice(0, 4).map(kindOf)).toEqual(['ok', 'ok', 'ok', 'ok']);
      expect(rowsOf(steps[2])[0]).toMatchObject({ AllowBasicAuthSmtp: false, AllowBasicAuthPop: true });
      expect(kindOf(steps[4])).toBe('not-found');
    },
  },

  // ---- emulator only: faults and credentials a real tenant cannot be asked for ----
  {
    name: 'throttled once (429, Retry-After 1): retried after the wait, then the rows',
    emulatorOnly: true,
    async run({ bridge, inspect }) {
      await inspect!.addFault({ cmdlet: 'Get-TransportConfig', status: 429, retryAfterSeconds: 1, times: 1 });
      return [await call(bridge, 'Get-TransportConfig')];
    },
    check: ([outcome]) => expect(rowsOf(outcome)).toHaveLength(1),
  },
  {
    name: 'transient failures (503 twice): retried, then the rows',
    emulatorOnly: true,
    async run({ bridge, inspect, mailbox }) {
      await inspect!.addFault({ cmdlet: 'Get-CASMailbox', status: 503, times: 2 });
      return [await call(bridge, 'Get-CASMailbox', { Identity: mailbox })];
    },
    check: ([outcome]) => expect(rowsOf(outcome)).toHaveLength(1),
  },
  // A connection dropped without an answer reaches the REST bridge as a socket error and the PowerShell bridge as
  // .NET's HttpRequestException (src/emulator/FIDELITY.md, "PowerShell bridge errors"): both are transient.
  {
    name: 'a connection reset before the answer: retried, then the rows',
    emulatorOnly: true,
    async run({ bridge, inspect, mailbox }) {
      await inspect!.addFault({ cmdlet: 'Get-CASMailbox', reset: true, times: 1 });
      return [await call(bridge, 'Get-CASMailbox', { Identity: mailbox })];
    },
    check: ([outcome]) => expect(rowsOf(outcome)).toHaveLength(1),
  },
  {
    name: 'a Set- whose answer is lost to a reset: retried, and the change holds',
    emulatorOnly: true,
    writes: true,
    async run({ bridge, inspect }) {
      await inspect!.addFault({ cmdlet: 'Set-TransportConfig', reset: true, when: 'after', times: 1 });
      return [
        await call(bridge, 'Set-TransportConfig', { AllowLegacyTLSClients: true }),
        await call(bridge, 'Get-TransportConfig', {}, ['AllowLegacyTLSClients']),
      ];
    },
    check: ([set, read]) => {
      expect(kindOf(set)).toBe('ok');
      expect(value(read, 'AllowLegacyTLSClients')).toBe(true);
    },
  },
  {
    name: 'a New- whose answer is lost to a reset: TransientError, not repeated (the caller confirms)',
    emulatorOnly: true,
    writes: true,
    async run({ bridge, inspect }) {
      await inspect!.addFault({ cmdlet: 'New-AuthenticationPolicy', reset: true, when: 'after', times: 1 });
      const created = await call(bridge, 'New-AuthenticationPolicy', { Name: 'exoform-contract-lost-answer' });
      const found = await call(bridge, 'Get-AuthenticationPolicy', { Identity: 'exoform-contract-lost-answer' }, [
        'Name',
      ]);
      await call(bridge, 'Remove-AuthenticationPolicy', { Identity: 'exoform-contract-lost-answer' });
      return [created, found];
    },
    check: ([created, found]) => {
      expect(kindOf(created)).toBe('transient');
      expect(value(found, 'Name')).toBe('exoform-contract-lost-answer');
    },
  },
  {
    name: "transient failures that never end: TransientError after the policy's tries",
    emulatorOnly: true,
    async run({ bridge, inspect }) {
      await inspect!.addFault({ cmdlet: 'Get-TransportConfig', status: 504, times: 10 });
      return [await call(bridge, 'Get-TransportConfig')];
    },
    check: ([outcome]) => expect(kindOf(outcome)).toBe('transient'),
  },
  {
    name: 'the Set-AuthenticationPolicy null-reference defect is a ServiceBug',
    emulatorOnly: true,
    async run({ bridge, inspect }) {
      await inspect!.addFault({
        cmdlet: 'Set-TransportConfig',
        status: 500,
        message: 'Object reference not set to an instance of an object.',
        exceptionType: 'System.NullReferenceException',
      });
      return [await call(bridge, 'Set-TransportConfig', { SmtpClientAuthenticationDisabled: true })];
    },
    check: ([outcome]) => expect(kindOf(outcome)).toBe('service-bug'),
  },
  {
    name: 'a missing role (403) is an authentication error',
    emulatorOnly: true,
    async run({ bridge, inspect }) {
      await inspect!.addFault({ cmdlet: 'Get-TransportConfig', status: 403 });
      return [await call(bridge, 'Get-TransportConfig')];
    },
    check: ([outcome]) => expect(kindOf(outcome)).toBe('authentication'),
  },
  {
    name: 'a 404 injected by a fault rule is NotFound',
    emulatorOnly: true,
    async run({ bridge, inspect, mailbox }) {
      await inspect!.addFault({ cmdlet: 'Get-CASMailbox', status: 404 });
      return [await call(bridge, 'Get-CASMailbox', { Identity: mailbox })];
    },
    check: ([outcome]) => expect(kindOf(outcome)).toBe('not-found'),
  },
  {
    name: 'small pages: every row comes back, in order, whichever bridge pages',
    emulatorOnly: true,
    async run({ bridge, inspect }) {
      await inspect!.request('PUT', '/_emulator/latency', { pageSize: 2 });
      return [
        await call(bridge, 'Get-CASMailbox', { ResultSize: 'Unlimited' }),
        await call(bridge, 'Get-User', { ResultSize: 'Unlimited' }),
      ];
    },
    check: ([mailboxes, users]) => {
      expect(rowsOf(mailboxes).length).toBeGreaterThan(2);
      expect(rowsOf(users).length).toBeGreaterThan(2);
    },
  },
  {
    name: 'a wrong token is an authentication error',
    emulatorOnly: true,
    run: async (lane) => [await call(lane.bridgeWith({ accessToken: 'not-the-token-4411' }), 'Get-TransportConfig')],
    check: ([outcome]) => expect(kindOf(outcome)).toBe('authentication'),
  },
  {
    name: 'an organization the service does not know is a configuration error of `organization` (the tenant remedy), never NotFound',
    emulatorOnly: true,
    run: async (lane) => [
      await call(lane.bridgeWith({ organization: 'fabrikam.onmicrosoft.com' }), 'Get-TransportConfig'),
    ],
    check: ([outcome]) => expect(kindOf(outcome)).toBe('configuration'),
  },
];
