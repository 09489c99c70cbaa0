/**
 * R3/R4 at the bridge level: 10,000 generated hostile values through both bridges (the REST bridge over real HTTP,
 * the PowerShell bridge through node-powershell and the pwsh stand-in, a TEST DOUBLE) reach the emulator byte-exact as
 * one parameter of the one cmdlet sent: 0 injections (no other cmdlet ran, nothing changed), and no error carries the
 * access token.
 */
import { invokeEach, type CmdletRequest } from '../../src/bridge/bridge';
import { isExchangeError } from '../../src/bridge/errors';
import { emulatorTarget, type BridgeKind } from './targets';

const TOTAL = 10_000;
/** The PowerShell lane's share: it runs one pwsh round trip per call (no $batch), the REST lane the rest in batches. */
const POWERSHELL_SHARE = 1_000;

const PIECES = [
  `'`,
  `"`,
  '`',
  '$(',
  ')',
  '${env:EXO_ACCESS_TOKEN}',
  '$env:EXO_ACCESS_TOKEN',
  '; Remove-Mailbox -Identity x -Confirm:$false',
  '| Out-File x',
  '@{a=1}',
  '\u0000',
  '\u202e',
  '\ud83d\ude00',
  'zoë',
  '数据',
  '%2F..%2F',
  '../../adminapi/beta/other/InvokeCommand',
  '{"CmdletName":"Remove-Mailbox"}',
  '</s>',
  '\\',
  '\\"',
  "''",
  '""',
  '&&',
  '||',
  '#',
  '<#',
  '#>',
  '-WhatIf',
  ' -Identity admin',
  '\t',
  '{0}',
  '%s',
  '\r\n',
  'Set-CASMailbox',
];

/** Deterministic: value i combines pieces chosen by a small linear congruential generator. */
function hostileValue(i: number): string {
  let seed = (i * 2654435761) >>> 0;
  const next = (): number => (seed = (seed * 1103515245 + 12345) >>> 0);
  const parts: string[] = [`h${i}`];
  const count = 1 + (next() % 5);
  for (let k = 0; k < count; k++) parts.push(PIECES[next() % PIECES.length]!);
  return parts.join(next() % 2 === 0 ? '' : ' ') + '@contoso.com';
}

describe('hostile values through both bridges (R3/R4)', () => {
  test.each([
    ['rest', 0, TOTAL - POWERSHELL_SHARE],
    ['powershell', TOTAL - POWERSHELL_SHARE, TOTAL],
  ] as Array<[BridgeKind, number, number]>)(
    '%s bridge: values byte-exact, 0 injections, no token in errors',
    async (kind, from, to) => {
      const lane = await emulatorTarget.lane(kind);
      try {
        const inspect = lane.inspect!;
        const before = (await inspect.tenant()).revision;
        const values = Array.from({ length: to - from }, (_, k) => hostileValue(from + k));
        const requests: CmdletRequest[] = values.map((value) => ({
          cmdlet: 'Set-CASMailbox',
          parameters: { Identity: value, SmtpClientAuthenticationDisabled: null },
        }));
        let checked = 0;
        const token = `contract-${kind}-token`;
        for (let start = 0; start < requests.length; start += 1000) {
          const chunk = requests.slice(start, start + 1000);
          await inspect.clearCalls();
          const results = lane.bridge.invokeBatch
            ? await lane.bridge.invokeBatch(chunk)
            : await invokeEach(lane.bridge, chunk);
          for (const result of results) {
            // Each names no mailbox: a typed error (not found, or refused as invalid input), never a success.
            expect(isExchangeError(result)).toBe(true);
            if (isExchangeError(result)) expect(`${result.message} ${result.remedy}`).not.toContain(token);
          }
          const log = await inspect.request<{
            total: number;
            counts: Record<string, number>;
            calls: Array<{ cmdlet: string; parameters: { Identity?: unknown } }>;
          }>('GET', '/_emulator/calls?limit=10000');
          expect(Object.keys(log.counts)).toEqual(log.total > 0 ? ['Set-CASMailbox'] : []);
          // Every value the bridge sent arrived as exactly one Identity, byte for byte.
          const sent = new Set(chunk.map((request) => request.parameters.Identity as string));
          for (const call of log.calls) expect(sent.has(call.parameters.Identity as string)).toBe(true);
          checked += log.calls.length;
        }
        expect((await inspect.tenant()).revision).toBe(before); // nothing changed
        expect(checked).toBeGreaterThan(0);
        console.log(
          `R3/R4 ${kind}: ${values.length} hostile values, ${checked} reached the service byte-exact, 0 injections, tenant unchanged`,
        );
      } finally {
        await lane.close();
      }
    },
    300_000,
  );
});
