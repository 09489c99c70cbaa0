/** The readiness rules (src/exchange/readiness.ts, documented in docs/report.md), case by case. */
import {
  applicablePolicy,
  evaluateMailboxReadiness,
  tenantVerdict,
  type ReadinessInput,
} from '../../src/exchange/readiness';

const base: ReadinessInput = {
  mailboxSetting: 'inherit',
  orgSmtpAuthDisabled: false,
  policy: null,
  securityDefaults: 'disabled',
  usage: { kind: 'signins', successfulSignIns: 0, failedSignIns: 0 },
};
const used = { kind: 'signins', successfulSignIns: 4, failedSignIns: 0, lastUsed: '2026-12-01T10:00:00Z' } as const;

describe('evaluateMailboxReadiness', () => {
  it('effective SMTP AUTH: the mailbox value when set, else the organization value', () => {
    expect(evaluateMailboxReadiness({ ...base, mailboxSetting: 'inherit', orgSmtpAuthDisabled: true })).toMatchObject({
      effectiveSmtpAuth: false,
      decidedBy: 'organization',
    });
    expect(evaluateMailboxReadiness({ ...base, mailboxSetting: 'inherit', orgSmtpAuthDisabled: false })).toMatchObject({
      effectiveSmtpAuth: true,
      decidedBy: 'organization',
    });
    expect(evaluateMailboxReadiness({ ...base, mailboxSetting: 'enabled', orgSmtpAuthDisabled: true })).toMatchObject({
      effectiveSmtpAuth: true,
      decidedBy: 'mailbox',
    });
    expect(evaluateMailboxReadiness({ ...base, mailboxSetting: 'disabled', orgSmtpAuthDisabled: false })).toMatchObject(
      { effectiveSmtpAuth: false, effectiveBasicSmtp: false, decidedBy: 'mailbox' },
    );
  });

  it('effective Basic SMTP also needs the applicable policy to allow it and security defaults off', () => {
    expect(
      evaluateMailboxReadiness({
        ...base,
        mailboxSetting: 'enabled',
        policy: { name: 'Block', allowBasicAuthSmtp: false },
      }),
    ).toMatchObject({ effectiveSmtpAuth: true, effectiveBasicSmtp: false, decidedBy: 'user-policy' });
    expect(
      evaluateMailboxReadiness({
        ...base,
        policy: { name: 'Default', allowBasicAuthSmtp: false, appliesAs: 'org-default' },
      }),
    ).toMatchObject({ effectiveBasicSmtp: false, decidedBy: 'org-default-policy' });
    expect(evaluateMailboxReadiness({ ...base, policy: { name: 'Allow', allowBasicAuthSmtp: true } })).toMatchObject({
      effectiveBasicSmtp: true,
      decidedBy: 'organization',
    });
    expect(
      evaluateMailboxReadiness({
        ...base,
        securityDefaults: 'enabled',
        policy: { name: 'Allow', allowBasicAuthSmtp: true },
      }),
    ).toMatchObject({ effectiveBasicSmtp: false, decidedBy: 'security-defaults' });
    expect(evaluateMailboxReadiness({ ...base, securityDefaults: 'unknown' })).toMatchObject({
      effectiveBasicSmtp: true,
      uncertain: true,
    });
    // SMTP AUTH off decides before anything else, whatever the policy says.
    expect(evaluateMailboxReadiness({ ...base, orgSmtpAuthDisabled: true, securityDefaults: 'enabled' })).toMatchObject(
      { decidedBy: 'organization' },
    );
  });

  it('verdicts: breaks on evidence of use, at risk without evidence, ready when blocked or unused', () => {
    expect(evaluateMailboxReadiness({ ...base, usage: used })).toMatchObject({
      verdict: 'breaks',
      reason: expect.stringContaining('4 Basic SMTP sign-in(s)'),
    });
    expect(evaluateMailboxReadiness({ ...base })).toMatchObject({ verdict: 'ready' });
    expect(
      evaluateMailboxReadiness({
        ...base,
        usage: { kind: 'none-available', reason: 'the app lacks AuditLog.Read.All' },
      }),
    ).toMatchObject({ verdict: 'at-risk', reason: expect.stringContaining('AuditLog.Read.All') });
    expect(evaluateMailboxReadiness({ ...base, usage: { kind: 'usage-report', smtpUsed: true } })).toMatchObject({
      verdict: 'at-risk',
    });
    expect(evaluateMailboxReadiness({ ...base, usage: { kind: 'usage-report', smtpUsed: false } })).toMatchObject({
      verdict: 'ready',
    });
    // Blocked already: used or not, nothing changes for it on the day.
    expect(evaluateMailboxReadiness({ ...base, mailboxSetting: 'disabled', usage: used })).toMatchObject({
      verdict: 'ready',
    });
    expect(
      evaluateMailboxReadiness({
        ...base,
        securityDefaults: 'enabled',
        usage: { kind: 'signins', successfulSignIns: 0, failedSignIns: 7 },
      }),
    ).toMatchObject({ verdict: 'ready', reason: expect.stringContaining('7 failed') });
    // Failed sign-ins alone are not use.
    expect(
      evaluateMailboxReadiness({ ...base, usage: { kind: 'signins', successfulSignIns: 0, failedSignIns: 3 } }),
    ).toMatchObject({ verdict: 'ready' });
  });

  it("a tenant's verdict is its worst mailbox's", () => {
    expect(tenantVerdict([])).toBe('ready');
    expect(tenantVerdict(['ready', 'at-risk', 'ready'])).toBe('at-risk');
    expect(tenantVerdict(['at-risk', 'breaks'])).toBe('breaks');
  });
});

describe('applicablePolicy', () => {
  const policies = new Map([
    ['allow smtp', { name: 'Allow SMTP', allowBasicAuthSmtp: true }],
    ['block all', { name: 'Block all', allowBasicAuthSmtp: false }],
  ]);
  it("the user's own policy wins over the org default; names, distinguished names, case-insensitive", () => {
    expect(applicablePolicy('Block all', 'Allow SMTP', policies)).toEqual({
      name: 'Block all',
      allowBasicAuthSmtp: false,
      appliesAs: 'user',
    });
    expect(applicablePolicy(null, 'allow smtp', policies)).toEqual({
      name: 'Allow SMTP',
      allowBasicAuthSmtp: true,
      appliesAs: 'org-default',
    });
    expect(applicablePolicy('CN=Block all,CN=Auth Policies,CN=Configuration,DC=x', null, policies)).toMatchObject({
      name: 'Block all',
      appliesAs: 'user',
    });
    expect(applicablePolicy(null, null, policies)).toBeNull();
  });
});
