/**
 * What Microsoft Graph says about one tenant for the readiness verdicts, read the same way by `exoform report` and
 * the provider's `exchangeonline_smtp_auth_readiness` data source: security defaults and the sign-in log side by
 * side, and only when the sign-in log is unavailable, the usage report. Then, per mailbox, the usage evidence the
 * shared rules (src/exchange/readiness.ts) decide on. A missing permission or licence is "no evidence available",
 * never "no usage".
 *
 * Cost: page reads (1 + one per 1000 sign-ins, the log's time slices read in parallel; +1 report download), never
 * a call per mailbox.
 */
import type { SecurityDefaultsState, UsageEvidence } from '../exchange/readiness';
import type { GraphClient } from './graph-client';
import {
  readEmailAppUsage,
  readSecurityDefaults,
  readSmtpSignIns,
  type AppUsage,
  type SignInSummary,
  type Unavailable,
} from './smtp-evidence';

export interface TenantEvidence {
  securityDefaults: { available: true; enabled: boolean } | Unavailable;
  signIns: { available: true; byUser: Map<string, SignInSummary>; signIns: number } | Unavailable;
  /** Read only when the sign-in log is unavailable; undefined when not read. */
  usageReport?: { available: true; byUser: Map<string, AppUsage> } | Unavailable;
}

/** Where the per-mailbox verdicts' evidence comes from. */
export type EvidenceSource = 'signins' | 'usage-report' | 'none-available';

/** Usage evidence for one mailbox, as the report's JSON prints it. */
export interface MailboxUsage {
  source: EvidenceSource;
  successfulSignIns?: number;
  failedSignIns?: number;
  smtpUsed?: boolean;
  lastUsed?: string;
}

/** Reads the tenant's Graph evidence; with no client (`graph` says why), everything is unavailable for that reason. */
export async function readTenantEvidence(
  graph: GraphClient | Unavailable,
  options: { now?: Date } = {},
): Promise<TenantEvidence> {
  if ('available' in graph) return { securityDefaults: graph, signIns: graph, usageReport: graph };
  const [securityDefaults, signIns] = await Promise.all([
    readSecurityDefaults(graph),
    readSmtpSignIns(graph, { now: options.now }),
  ]);
  const usageReport = signIns.available ? undefined : await readEmailAppUsage(graph);
  return { securityDefaults, signIns, usageReport };
}

export function securityDefaultsState(evidence: TenantEvidence): SecurityDefaultsState {
  return evidence.securityDefaults.available ? (evidence.securityDefaults.enabled ? 'enabled' : 'disabled') : 'unknown';
}

export function evidenceSource(evidence: TenantEvidence): EvidenceSource {
  return evidence.signIns.available ? 'signins' : evidence.usageReport?.available ? 'usage-report' : 'none-available';
}

/** Why there is no usage evidence (every unreadable source's reason), or '' when there is some. */
export function noEvidenceReason(evidence: TenantEvidence): string {
  const reasons = [evidence.signIns, evidence.usageReport]
    .filter((s): s is Unavailable => s !== undefined && !s.available)
    .map((s) => s.reason);
  return [...new Set(reasons)].join('; ');
}

/**
 * The evidence for one mailbox. `keys`: the names the logs may know the user by (user principal name, primary SMTP
 * address), in order of preference; matched lower-cased.
 */
export function mailboxUsage(
  evidence: TenantEvidence,
  keys: readonly string[],
): { usage: UsageEvidence; out: MailboxUsage } {
  const lower = keys.map((k) => k.toLowerCase());
  const signIns = evidence.signIns;
  if (signIns.available) {
    const found = lower.map((k) => signIns.byUser.get(k)).find(Boolean);
    const usage: UsageEvidence = {
      kind: 'signins',
      successfulSignIns: found?.successful ?? 0,
      failedSignIns: found?.failed ?? 0,
      lastUsed: found?.lastUsed,
    };
    return {
      usage,
      out: {
        source: 'signins',
        successfulSignIns: usage.successfulSignIns,
        failedSignIns: usage.failedSignIns,
        ...(found?.lastUsed ? { lastUsed: found.lastUsed } : {}),
      },
    };
  }
  const report = evidence.usageReport;
  if (report?.available) {
    const found = lower.map((k) => report.byUser.get(k)).find(Boolean);
    const usage: UsageEvidence = {
      kind: 'usage-report',
      smtpUsed: found?.smtpUsed ?? false,
      lastUsed: found?.smtpUsed ? found.lastActivity : undefined,
    };
    return {
      usage,
      out: {
        source: 'usage-report',
        smtpUsed: usage.smtpUsed,
        ...(usage.lastUsed ? { lastUsed: usage.lastUsed } : {}),
      },
    };
  }
  return {
    usage: { kind: 'none-available', reason: noEvidenceReason(evidence) || 'no usage evidence could be read' },
    out: { source: 'none-available' },
  };
}
