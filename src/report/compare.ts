/**
 * `exoform report --compare <earlier.json>`: what changed since an earlier report, per tenant and per mailbox, so a
 * nightly run shows progress towards "nothing breaks": mailboxes fixed, newly breaking, verdict moves, and Basic SMTP
 * sign-ins before → after. Pure functions: the CLI reads the file, the renderers show the result.
 */
import { ConfigurationError } from '../bridge/errors';
import type { Verdict } from '../exchange/readiness';
import type { MailboxReadiness, ReadinessReport, TenantReadiness, VerdictCounts } from './report-model';

/**
 * newly-breaking: breaks now, did not before (or was not there); fixed: was breaks or at-risk, is ready now;
 * verdict-moved: any other verdict change; sign-ins: same verdict, other Basic SMTP sign-in count; new / gone: the
 * mailbox appeared or disappeared (a new mailbox that breaks is newly-breaking).
 */
export type MailboxChangeKind = 'newly-breaking' | 'fixed' | 'verdict-moved' | 'sign-ins' | 'new' | 'gone';

export interface MailboxChange {
  userPrincipalName: string;
  change: MailboxChangeKind;
  verdictBefore: Verdict | null;
  verdictAfter: Verdict | null;
  /** Successful Basic SMTP sign-ins in each report's window; null when that report had no sign-in evidence. */
  signInsBefore: number | null;
  signInsAfter: number | null;
}

export interface ChangeCounts {
  newlyBreaking: number;
  fixed: number;
  verdictMoved: number;
  signInChanges: number;
  new: number;
  gone: number;
}

export interface TenantComparison {
  tenant: string;
  name: string;
  /** Null when the tenant was not in that report or could not be read then. */
  verdictBefore: Verdict | null;
  verdictAfter: Verdict | null;
  countsBefore: VerdictCounts | null;
  countsAfter: VerdictCounts | null;
  signInsBefore: number | null;
  signInsAfter: number | null;
  changes: ChangeCounts;
  /** Only mailboxes that changed. */
  mailboxes: MailboxChange[];
}

export interface ReportComparison {
  earlierGeneratedAt: string;
  totals: {
    verdictsBefore: VerdictCounts;
    verdictsAfter: VerdictCounts;
    signInsBefore: number | null;
    signInsAfter: number | null;
    changes: ChangeCounts;
  };
  tenants: TenantComparison[];
}

/** Reads an earlier report's JSON text; a clear error naming the flag and the fix when it is not one. */
export function parseEarlierReport(text: string, source: string): ReadinessReport {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new ConfigurationError(
      `--compare: ${source} is not JSON (${(error as Error).message}).`,
      'Give the file an earlier `exoform report --json <file>` wrote.',
      ['compare'],
    );
  }
  const report = parsed as Partial<ReadinessReport> | null;
  if (
    !report ||
    typeof report !== 'object' ||
    report.schemaVersion !== 1 ||
    !Array.isArray(report.tenants) ||
    typeof report.generatedAt !== 'string'
  ) {
    throw new ConfigurationError(
      `--compare: ${source} is not an exoform readiness report (schemaVersion 1 with "generatedAt" and "tenants").`,
      'Give the file an earlier `exoform report --json <file>` wrote.',
      ['compare'],
    );
  }
  return report as ReadinessReport;
}

const zeroCounts = (): ChangeCounts => ({
  newlyBreaking: 0,
  fixed: 0,
  verdictMoved: 0,
  signInChanges: 0,
  new: 0,
  gone: 0,
});
const COUNTER: Record<MailboxChangeKind, keyof ChangeCounts> = {
  'newly-breaking': 'newlyBreaking',
  fixed: 'fixed',
  'verdict-moved': 'verdictMoved',
  'sign-ins': 'signInChanges',
  new: 'new',
  gone: 'gone',
};

function signIns(m: MailboxReadiness | undefined): number | null {
  return m && m.usage.source === 'signins' ? (m.usage.successfulSignIns ?? 0) : null;
}

function tenantSignIns(t: TenantReadiness | undefined): number | null {
  if (!t || t.status !== 'ok' || t.evidence?.source !== 'signins') return null;
  return (t.mailboxes ?? []).reduce((sum, m) => sum + (m.usage.successfulSignIns ?? 0), 0);
}

function classify(
  before: MailboxReadiness | undefined,
  after: MailboxReadiness | undefined,
): MailboxChangeKind | undefined {
  if (after?.verdict === 'breaks' && before?.verdict !== 'breaks') return 'newly-breaking';
  if (!before) return 'new';
  if (!after) return 'gone';
  if (before.verdict !== 'ready' && after.verdict === 'ready') return 'fixed';
  if (before.verdict !== after.verdict) return 'verdict-moved';
  return signIns(before) !== signIns(after) ? 'sign-ins' : undefined;
}

const ORDER: Record<MailboxChangeKind, number> = {
  'newly-breaking': 0,
  fixed: 1,
  'verdict-moved': 2,
  'sign-ins': 3,
  new: 4,
  gone: 5,
};

function compareTenant(before: TenantReadiness | undefined, after: TenantReadiness): TenantComparison {
  const readBefore = before?.status === 'ok' ? before : undefined;
  const readAfter = after.status === 'ok' ? after : undefined;
  const key = (m: MailboxReadiness): string => m.userPrincipalName.toLowerCase();
  const earlier = new Map((readBefore?.mailboxes ?? []).map((m) => [key(m), m]));
  const changes = zeroCounts();
  const mailboxes: MailboxChange[] = [];
  const note = (b: MailboxReadiness | undefined, a: MailboxReadiness | undefined): void => {
    const change = classify(b, a);
    if (!change) return;
    changes[COUNTER[change]]++;
    mailboxes.push({
      userPrincipalName: (a ?? b)!.userPrincipalName,
      change,
      verdictBefore: b?.verdict ?? null,
      verdictAfter: a?.verdict ?? null,
      signInsBefore: signIns(b),
      signInsAfter: signIns(a),
    });
  };
  // Both reports must have read the tenant; otherwise every mailbox would look new or gone.
  if (readBefore && readAfter) {
    for (const m of readAfter.mailboxes ?? []) {
      note(earlier.get(key(m)), m);
      earlier.delete(key(m));
    }
    for (const m of earlier.values()) note(m, undefined);
  }
  mailboxes.sort((a, b) => ORDER[a.change] - ORDER[b.change] || a.userPrincipalName.localeCompare(b.userPrincipalName));
  return {
    tenant: after.tenant,
    name: after.name,
    verdictBefore: readBefore?.verdict ?? null,
    verdictAfter: readAfter?.verdict ?? null,
    countsBefore: readBefore?.counts?.verdicts ?? null,
    countsAfter: readAfter?.counts?.verdicts ?? null,
    signInsBefore: tenantSignIns(readBefore),
    signInsAfter: tenantSignIns(readAfter),
    changes,
    mailboxes,
  };
}

const sumOrNull = (values: Array<number | null>): number | null =>
  values.some((v) => v !== null) ? values.reduce<number>((sum, v) => sum + (v ?? 0), 0) : null;

export function compareReports(earlier: ReadinessReport, now: ReadinessReport): ReportComparison {
  const byTenant = new Map(earlier.tenants.map((t) => [t.tenant.toLowerCase(), t]));
  const tenants = now.tenants.map((t) => compareTenant(byTenant.get(t.tenant.toLowerCase()), t));
  const changes = zeroCounts();
  for (const t of tenants)
    for (const k of Object.keys(changes) as Array<keyof ChangeCounts>) changes[k] += t.changes[k];
  return {
    earlierGeneratedAt: earlier.generatedAt,
    totals: {
      verdictsBefore: { ...earlier.totals.verdicts },
      verdictsAfter: { ...now.totals.verdicts },
      signInsBefore: sumOrNull(tenants.map((t) => t.signInsBefore)),
      signInsAfter: sumOrNull(tenants.map((t) => t.signInsAfter)),
      changes,
    },
    tenants,
  };
}
