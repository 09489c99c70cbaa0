/**
 * The authentication-policy operations against a scripted bridge: what is sent (never an empty identity, the OPATH
 * literal escaped), and how Set-AuthenticationPolicy's known service defect is retried and then reported.
 */
import type { CmdletParameters, CmdletResult, ExchangeBridge, Row } from '../../src/bridge/bridge';
import { InvalidInputError, NotFoundError, ServiceBugError, TransientError } from '../../src/bridge/errors';
import {
  AuthenticationPolicyUpdateError,
  authenticationPolicyFromRow,
  findAuthenticationPolicy,
  newAuthenticationPolicy,
  policyNameProblem,
  refersToPolicy,
  setAuthenticationPolicy,
} from '../../src/exchange/authentication-policy-operations';
import {
  readDefaultAuthenticationPolicy,
  setDefaultAuthenticationPolicy,
} from '../../src/exchange/organization-config-operations';
import { findUsers, listUsersWithAuthenticationPolicy, opathString, setUser } from '../../src/exchange/user-operations';
import { FakeClock } from '../bridge/helpers/fake-clock';

interface Call {
  cmdlet: string;
  parameters: CmdletParameters;
}

/** A bridge that records calls and answers each with the next scripted reply (rows, or an error to throw). */
class ScriptedBridge implements ExchangeBridge {
  readonly organization = 'contoso.onmicrosoft.com';
  readonly calls: Call[] = [];
  constructor(private readonly replies: Array<Row[] | Error>) {}
  async invoke(cmdlet: string, parameters: CmdletParameters): Promise<CmdletResult> {
    this.calls.push({ cmdlet, parameters });
    const reply = this.replies.shift() ?? [];
    if (reply instanceof Error) throw reply;
    return { rows: reply, warnings: [] };
  }
  async close(): Promise<void> {}
}

const DN = "CN=O'Brien's POP,CN=Auth Policies,CN=Configuration,CN=contoso.onmicrosoft.com,CN=ConfigurationUnits,DC=EMU";
const POLICY_ROW: Row = {
  Name: "O'Brien's POP",
  Guid: '5E0C7C0B-1D1A-4B7E-9C1E-111111111111',
  DistinguishedName: DN,
  AllowBasicAuthPop: true,
  AllowBasicAuthSmtp: 'True',
  AllowBasicAuthImap: false,
};

const objectReference = (): ServiceBugError =>
  new ServiceBugError(
    'Set-AuthenticationPolicy failed inside Exchange Online: Object reference not set to an instance of an object.',
    'Apply again.',
    'Set-AuthenticationPolicy',
  );

describe('authentication policies', () => {
  test('rows: switches default to false, "True" strings are read, the GUID is lower-cased', () => {
    const policy = authenticationPolicyFromRow(POLICY_ROW);
    expect(policy.guid).toBe('5e0c7c0b-1d1a-4b7e-9c1e-111111111111');
    expect(policy.switches).toMatchObject({
      AllowBasicAuthPop: true,
      AllowBasicAuthSmtp: true,
      AllowBasicAuthImap: false,
      AllowBasicAuthRpc: false,
    });
    expect(refersToPolicy("o'brien's pop", policy)).toBe(true);
    expect(refersToPolicy(DN.toUpperCase(), policy)).toBe(true);
    expect(refersToPolicy('{5E0C7C0B-1D1A-4B7E-9C1E-111111111111}', policy)).toBe(true);
    expect(refersToPolicy('Other', policy)).toBe(false);
    expect(refersToPolicy(null, policy)).toBe(false);
  });

  test('names: at most 64 characters, not blank, no control characters', () => {
    expect(policyNameProblem('x'.repeat(64))).toBeUndefined();
    expect(policyNameProblem('x'.repeat(65))).toMatch(/65 characters/);
    expect(policyNameProblem('  ')).toBe('is empty');
    expect(policyNameProblem(' a')).toMatch(/white space/);
    expect(policyNameProblem('a\nb')).toMatch(/control character/);
  });

  test('a Get with an empty identity is refused before anything is sent (it would return every policy)', async () => {
    const bridge = new ScriptedBridge([]);
    await expect(findAuthenticationPolicy({ bridge }, '')).rejects.toBeInstanceOf(InvalidInputError);
    await expect(findAuthenticationPolicy({ bridge }, '   ')).rejects.toBeInstanceOf(InvalidInputError);
    await expect(findUsers({ bridge }, '')).rejects.toBeInstanceOf(InvalidInputError);
    await expect(setUser({ bridge }, ' ', { authenticationPolicy: null })).rejects.toBeInstanceOf(InvalidInputError);
    expect(bridge.calls).toEqual([]);
  });

  test('not found is undefined; the name travels as data, quote and all', async () => {
    const bridge = new ScriptedBridge([new NotFoundError('not found', 'check'), [POLICY_ROW]]);
    expect(await findAuthenticationPolicy({ bridge }, 'Nope')).toBeUndefined();
    expect((await findAuthenticationPolicy({ bridge }, "O'Brien's POP"))?.name).toBe("O'Brien's POP");
    expect(bridge.calls[1]).toEqual({ cmdlet: 'Get-AuthenticationPolicy', parameters: { Identity: "O'Brien's POP" } });
  });

  test('New-AuthenticationPolicy sends only the switches that are on', async () => {
    const bridge = new ScriptedBridge([[POLICY_ROW]]);
    const switches = { ...authenticationPolicyFromRow({ Name: 'x', Guid: 'g' }).switches, AllowBasicAuthPop: true };
    await newAuthenticationPolicy({ bridge }, "O'Brien's POP", switches);
    expect(bridge.calls).toEqual([
      { cmdlet: 'New-AuthenticationPolicy', parameters: { Name: "O'Brien's POP", AllowBasicAuthPop: true } },
    ]);
  });

  describe('Set-AuthenticationPolicy and its known defect', () => {
    test('retried with backoff, then succeeds: same policy, changed in place', async () => {
      const clock = new FakeClock();
      const bridge = new ScriptedBridge([objectReference(), objectReference(), []]);
      const warnings: string[] = [];
      const calls = await setAuthenticationPolicy(
        { bridge, warn: (m) => warnings.push(m) },
        'guid-1',
        { AllowBasicAuthSmtp: false, AllowBasicAuthPop: true },
        { clock },
      );
      expect(calls).toBe(3);
      expect(clock.sleeps).toEqual([1000, 2000]);
      expect(bridge.calls.map((c) => c.cmdlet)).toEqual([
        'Set-AuthenticationPolicy',
        'Set-AuthenticationPolicy',
        'Set-AuthenticationPolicy',
      ]);
      expect(bridge.calls[0].parameters).toEqual({
        Identity: 'guid-1',
        AllowBasicAuthPop: true,
        AllowBasicAuthSmtp: false,
      });
      expect(warnings).toHaveLength(2);
      expect(warnings[0]).toMatch(/attempt 1 of 4/);
    });

    test('when it persists: a typed error after four calls, and never a Remove-/New-', async () => {
      const clock = new FakeClock();
      const bridge = new ScriptedBridge([
        objectReference(),
        objectReference(),
        objectReference(),
        objectReference(),
        [],
      ]);
      const failure = await setAuthenticationPolicy(
        { bridge },
        'guid-1',
        { AllowBasicAuthSmtp: true },
        { clock },
      ).catch((e: unknown) => e);
      expect(failure).toBeInstanceOf(AuthenticationPolicyUpdateError);
      expect((failure as AuthenticationPolicyUpdateError).attempts).toBe(4);
      expect((failure as AuthenticationPolicyUpdateError).knownDefect).toBe(true);
      expect((failure as Error).message).toMatch(/failed 4 times in a row: .*Object reference not set/);
      expect(clock.sleeps).toEqual([1000, 2000, 4000]);
      expect(new Set(bridge.calls.map((c) => c.cmdlet))).toEqual(new Set(['Set-AuthenticationPolicy']));
    });

    test("other failures are not this loop's business (the bridge already retried transient ones)", async () => {
      const clock = new FakeClock();
      const bridge = new ScriptedBridge([new TransientError('503', 'later'), []]);
      await expect(
        setAuthenticationPolicy({ bridge }, 'guid-1', { AllowBasicAuthSmtp: true }, { clock }),
      ).rejects.toBeInstanceOf(TransientError);
      expect(bridge.calls).toHaveLength(1);
    });

    test('nothing to change: nothing sent', async () => {
      const bridge = new ScriptedBridge([]);
      expect(await setAuthenticationPolicy({ bridge }, 'guid-1', {})).toBe(0);
      expect(bridge.calls).toEqual([]);
    });

    test('cancellation during the wait ends the loop', async () => {
      const clock = new FakeClock();
      const started = clock.holdSleeps();
      const controller = new AbortController();
      const bridge = new ScriptedBridge([objectReference(), []]);
      const result = setAuthenticationPolicy(
        { bridge, signal: controller.signal },
        'guid-1',
        { AllowBasicAuthSmtp: true },
        { clock },
      );
      await started;
      controller.abort();
      await expect(result).rejects.toMatchObject({ kind: 'cancelled' });
      expect(bridge.calls).toHaveLength(1);
    });
  });
});

describe('users and the OPATH filter', () => {
  test('the literal is single-quoted with quotes doubled', () => {
    expect(opathString("O'Brien's")).toBe("'O''Brien''s'");
    expect(opathString("''")).toBe("''''''");
    expect(opathString('plain')).toBe("'plain'");
  });

  test('assigned users: one filtered, unlimited Get-User on the escaped distinguished name', async () => {
    const bridge = new ScriptedBridge([
      [{ Guid: 'AAA', UserPrincipalName: 'sean@contoso.com', AuthenticationPolicy: "O'Brien's POP" }],
    ]);
    const users = await listUsersWithAuthenticationPolicy({ bridge }, { distinguishedName: DN, matches: () => true });
    expect(users.map((u) => [u.guid, u.userPrincipalName])).toEqual([['aaa', 'sean@contoso.com']]);
    expect(bridge.calls).toEqual([
      {
        cmdlet: 'Get-User',
        parameters: {
          Filter: `AuthenticationPolicy -eq 'CN=O''Brien''s POP,CN=Auth Policies,CN=Configuration,CN=contoso.onmicrosoft.com,CN=ConfigurationUnits,DC=EMU'`,
          ResultSize: 'Unlimited',
        },
      },
    ]);
  });

  test('a typographic quote in the name: every user is listed and matched here instead of trusting OPATH quoting', async () => {
    const bridge = new ScriptedBridge([
      [
        { Guid: 'A', UserPrincipalName: 'a@contoso.com', AuthenticationPolicy: 'Kev’s' },
        { Guid: 'B', UserPrincipalName: 'b@contoso.com', AuthenticationPolicy: null },
      ],
    ]);
    const users = await listUsersWithAuthenticationPolicy(
      { bridge },
      { distinguishedName: 'CN=Kev’s,CN=Auth Policies', matches: (r) => r === 'Kev’s' },
    );
    expect(users.map((u) => u.userPrincipalName)).toEqual(['a@contoso.com']);
    expect(bridge.calls).toEqual([{ cmdlet: 'Get-User', parameters: { ResultSize: 'Unlimited' } }]);
  });

  test('Set-User: policy and token revocation in one call; null clears the policy', async () => {
    const bridge = new ScriptedBridge([[], []]);
    await setUser({ bridge }, 'sean@contoso.com', {
      authenticationPolicy: 'p-guid',
      stsRefreshTokensValidFrom: new Date('2026-03-01T10:00:00Z'),
    });
    await setUser({ bridge }, 'sean@contoso.com', { authenticationPolicy: null });
    expect(bridge.calls).toEqual([
      {
        cmdlet: 'Set-User',
        parameters: {
          Identity: 'sean@contoso.com',
          AuthenticationPolicy: 'p-guid',
          STSRefreshTokensValidFrom: '2026-03-01T10:00:00.000Z',
        },
      },
      { cmdlet: 'Set-User', parameters: { Identity: 'sean@contoso.com', AuthenticationPolicy: null } },
    ]);
  });

  test('the org default: null when unset, cleared with null', async () => {
    const bridge = new ScriptedBridge([
      [{ DefaultAuthenticationPolicy: null }],
      [{ DefaultAuthenticationPolicy: 'Block Basic' }],
      [],
    ]);
    expect(await readDefaultAuthenticationPolicy({ bridge })).toBeNull();
    expect(await readDefaultAuthenticationPolicy({ bridge })).toBe('Block Basic');
    await setDefaultAuthenticationPolicy({ bridge }, null);
    expect(bridge.calls[2]).toEqual({
      cmdlet: 'Set-OrganizationConfig',
      parameters: { DefaultAuthenticationPolicy: null },
    });
  });
});
