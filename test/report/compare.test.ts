/**
 * `--compare`'s rules on reports built by hand, one case each: newly breaking (including a new mailbox that breaks),
 * fixed, other verdict moves, sign-in counts, new and gone mailboxes, and a tenant not read in one of the two reports.
 * The end-to-end run (real CLI, emulator, terraform) is in december-2026-report.test.ts.
 */
import { compareReports, parseEarlierReport } from '../../src/report/compare';
import type { MailboxReadiness, ReadinessReport, TenantReadiness } from '../../src/report/report-model';
import type { Verdict } from '../../src/exchange/readiness';

function mailbox(upn: string, verdict: Verdict, signIns?: number): MailboxReadiness {
  return {
    userPrincipalName: upn,
    primarySmtpAddress: upn,
    displayName: null,
    recipientTypeDetails: 'UserMailbox',
    smtpAuthSetting: 'inherit',
    authenticationPolicy: null,
    authenticationPolicyAppliesAs: null,
    effectiveSmtpAuth: true,
    effectiveBasicSmtp: verdict !== 'ready',
    effectiveBasicSmtpUncertain: false,
    decidedBy: 'organization',
    verdict,
    reason: '',
    remedies: [],
    usage:
      signIns === undefined
        ? { source: 'none-available' }
        : { source: 'signins', successfulSignIns: signIns, failedSignIns: 0 },
  };
}

function tenant(
  name: string,
  mailboxes: MailboxReadiness[] | 'unreachable',
  source: 'signins' | 'none-available' = 'signins',
): TenantReadiness {
  if (mailboxes === 'unreachable')
    return {
      tenant: `${name}.onmicrosoft.com`,
      name,
      status: 'unreachable',
      error: 'no route',
      requests: { exchange: 0, graph: 0 },
      durationMs: 1,
    };
  const verdicts = { breaks: 0, 'at-risk': 0, ready: 0 };
  for (const m of mailboxes) verdicts[m.verdict]++;
  return {
    tenant: `${name}.onmicrosoft.com`,
    name,
    status: 'ok',
    mailboxes,
    requests: { exchange: 5, graph: 1 },
    durationMs: 1,
    verdict: verdicts.breaks ? 'breaks' : verdicts['at-risk'] ? 'at-risk' : 'ready',
    evidence: {
      source,
      securityDefaults: { available: true },
      signIns: { available: source === 'signins' },
      usageReport: { available: false },
    },
    counts: {
      mailboxes: mailboxes.length,
      sharedMailboxes: 0,
      smtpAuthSetting: { enabled: 0, disabled: 0, inherit: mailboxes.length },
      effectiveSmtpAuth: 0,
      effectiveBasicSmtp: 0,
      verdicts,
      decidedBy: {},
    },
  };
}

function report(generatedAt: string, tenants: TenantReadiness[]): ReadinessReport {
  const verdicts = { breaks: 0, 'at-risk': 0, ready: 0 };
  for (const t of tenants) for (const m of t.mailboxes ?? []) verdicts[m.verdict]++;
  return {
    schemaVersion: 1,
    generatedAt,
    evidenceWindowDays: 30,
    change: '',
    tenants,
    remedies: [],
    totals: {
      tenants: tenants.length,
      notRead: 0,
      mailboxes: 0,
      verdicts,
      tenantVerdicts: { breaks: 0, 'at-risk': 0, ready: 0 },
    },
  };
}

describe('report --compare rules', () => {
  const earlier = report('2026-12-01T02:00:00.000Z', [
    tenant('contoso', [
      mailbox('scanner@contoso.com', 'breaks', 90),
      mailbox('app@contoso.com', 'breaks', 40),
      mailbox('kim@contoso.com', 'ready', 0),
      mailbox('old@contoso.com', 'at-risk', 0),
      mailbox('pat@contoso.com', 'at-risk', 0),
    ]),
    tenant('fabrikam', 'unreachable'),
  ]);
  const now = report('2026-12-02T02:00:00.000Z', [
    tenant('contoso', [
      mailbox('Scanner@contoso.com', 'ready', 85), // fixed (the key ignores case)
      mailbox('app@contoso.com', 'breaks', 12), // same verdict, fewer sign-ins
      mailbox('kim@contoso.com', 'breaks', 3), // newly breaking
      mailbox('pat@contoso.com', 'breaks', 1), // at risk to breaks: newly breaking too
      mailbox('new@contoso.com', 'breaks', 2), // new, and it breaks: newly breaking
      mailbox('quiet@contoso.com', 'ready', 0), // new
    ]),
    tenant('fabrikam', [mailbox('a@fabrikam.com', 'breaks', 1)]),
  ]);
  const c = compareReports(earlier, now);

  test('each mailbox change is classified once, newly breaking first', () => {
    const contoso = c.tenants.find((t) => t.name === 'contoso')!;
    expect(
      contoso.mailboxes.map((m) => [
        m.userPrincipalName,
        m.change,
        m.verdictBefore,
        m.verdictAfter,
        m.signInsBefore,
        m.signInsAfter,
      ]),
    ).toEqual([
      ['kim@contoso.com', 'newly-breaking', 'ready', 'breaks', 0, 3],
      ['new@contoso.com', 'newly-breaking', null, 'breaks', null, 2],
      ['pat@contoso.com', 'newly-breaking', 'at-risk', 'breaks', 0, 1],
      ['Scanner@contoso.com', 'fixed', 'breaks', 'ready', 90, 85],
      ['app@contoso.com', 'sign-ins', 'breaks', 'breaks', 40, 12],
      ['quiet@contoso.com', 'new', null, 'ready', null, 0],
      ['old@contoso.com', 'gone', 'at-risk', null, 0, null],
    ]);
    expect(contoso.changes).toEqual({ newlyBreaking: 3, fixed: 1, verdictMoved: 0, signInChanges: 1, new: 1, gone: 1 });
    expect([contoso.signInsBefore, contoso.signInsAfter]).toEqual([130, 103]);
  });

  test('a tenant not read in one report has a verdict move but no mailbox changes (they would all look new)', () => {
    const fabrikam = c.tenants.find((t) => t.name === 'fabrikam')!;
    expect([fabrikam.verdictBefore, fabrikam.verdictAfter, fabrikam.countsBefore, fabrikam.signInsBefore]).toEqual([
      null,
      'breaks',
      null,
      null,
    ]);
    expect(fabrikam.mailboxes).toEqual([]);
    expect(c.totals.signInsBefore).toBe(130);
    expect(c.totals.signInsAfter).toBe(104);
  });

  test('sign-ins are null, not zero, without sign-in evidence', () => {
    const a = report('2026-12-01T00:00:00Z', [
      tenant('woodgrove', [mailbox('labels@woodgrovebank.com', 'at-risk')], 'none-available'),
    ]);
    const b = report('2026-12-02T00:00:00Z', [
      tenant('woodgrove', [mailbox('labels@woodgrovebank.com', 'at-risk')], 'none-available'),
    ]);
    const result = compareReports(a, b);
    expect(result.tenants[0]!.mailboxes).toEqual([]);
    expect([result.tenants[0]!.signInsBefore, result.totals.signInsAfter]).toEqual([null, null]);
  });

  test('an earlier file that is not a report is refused with the flag named', () => {
    expect(() => parseEarlierReport('nope', 'x.json')).toThrow(/--compare: x\.json is not JSON/);
    expect(() => parseEarlierReport('{"schemaVersion":2,"generatedAt":"x","tenants":[]}', 'x.json')).toThrow(
      /not an exoform readiness report \(schemaVersion 1/,
    );
    expect(parseEarlierReport(JSON.stringify(earlier), 'x.json').generatedAt).toBe(earlier.generatedAt);
  });
});
