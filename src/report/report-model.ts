/**
 * The readiness report's data: what `exoform report --format json` prints (schemaVersion 1), and what every other
 * format is rendered from. docs/report.md describes each field; docs/report.schema.json is its JSON Schema. A change
 * that removes or renames a field, or changes a meaning, raises schemaVersion.
 */
import type { SettingWord } from '../exchange/cas-mailbox-operations';
import type { DecidedBy, SecurityDefaultsState, Verdict } from '../exchange/readiness';
import type { UnknownProperty } from '../exchange/watched-properties';
import type { Remedy, RemedyId } from '../exchange/remedies';
import type { ReportComparison } from './compare';

export const REPORT_SCHEMA_VERSION = 1;

export type VerdictCounts = Record<Verdict, number>;

export interface MailboxReadiness {
  userPrincipalName: string;
  primarySmtpAddress: string;
  displayName: string | null;
  /** UserMailbox, SharedMailbox, ... as Get-User reports it; null when no user row matched. */
  recipientTypeDetails: string | null;
  /** The mailbox's own SmtpClientAuthenticationDisabled, in words. */
  smtpAuthSetting: SettingWord;
  /** The policy that applies (the user's, else the org default), null for none. */
  authenticationPolicy: string | null;
  authenticationPolicyAppliesAs: 'user' | 'org-default' | null;
  effectiveSmtpAuth: boolean;
  effectiveBasicSmtp: boolean;
  /** True when effectiveBasicSmtp assumes security defaults are off because they could not be read. */
  effectiveBasicSmtpUncertain: boolean;
  decidedBy: DecidedBy;
  verdict: Verdict;
  reason: string;
  /** The ways out (ids of the report's `remedies`), none when ready. */
  remedies: readonly RemedyId[];
  usage: {
    source: 'signins' | 'usage-report' | 'none-available';
    successfulSignIns?: number;
    failedSignIns?: number;
    smtpUsed?: boolean;
    lastUsed?: string;
  };
}

export interface EvidenceSource {
  available: boolean;
  /** Why not, when unavailable (missing permission, licence, concealed names...). */
  reason?: string;
}

export interface TenantReadiness {
  tenant: string;
  name: string;
  /** ok: read; unreachable: the service could not be reached; failed: reached but refused or errored (see error). */
  status: 'ok' | 'unreachable' | 'failed';
  error?: string;
  organization?: {
    smtpClientAuthenticationDisabled: boolean;
    allowLegacyTlsClients: boolean;
    defaultAuthenticationPolicy: string | null;
    securityDefaults: SecurityDefaultsState;
  };
  evidence?: {
    /** What the per-mailbox verdicts rest on. */
    source: 'signins' | 'usage-report' | 'none-available';
    securityDefaults: EvidenceSource;
    signIns: EvidenceSource & { count?: number };
    usageReport: EvidenceSource;
  };
  verdict?: Verdict;
  counts?: {
    mailboxes: number;
    sharedMailboxes: number;
    smtpAuthSetting: Record<SettingWord, number>;
    effectiveSmtpAuth: number;
    effectiveBasicSmtp: number;
    verdicts: VerdictCounts;
    decidedBy: Partial<Record<DecidedBy, number>>;
  };
  mailboxes?: MailboxReadiness[];
  /**
   * Properties on the rows read whole (Get-TransportConfig, Get-OrganizationConfig, Get-AuthenticationPolicy) whose
   * names concern SMTP, Basic/legacy auth or OAuth and that exoform does not model: perhaps Microsoft's December 2026
   * switch. The verdicts may not yet account for them.
   */
  unknownProperties?: UnknownProperty[];
  /** Calls made: Exchange cmdlet pages and Graph requests. */
  requests: { exchange: number; graph: number };
  durationMs: number;
}

export interface ReadinessReport {
  schemaVersion: typeof REPORT_SCHEMA_VERSION;
  generatedAt: string;
  evidenceWindowDays: number;
  /** The change the verdicts are about. */
  change: string;
  totals: {
    tenants: number;
    notRead: number;
    mailboxes: number;
    verdicts: VerdictCounts;
    tenantVerdicts: VerdictCounts;
  };
  tenants: TenantReadiness[];
  /** Every way out a mailbox's `remedies` may name, with the title of Microsoft's page for it. */
  remedies: readonly Remedy[];
  /** With `--compare <earlier.json>`: what changed since that report. */
  comparison?: ReportComparison;
}

export const CHANGE_DESCRIPTION =
  'End of December 2026: Basic authentication for SMTP AUTH is disabled by default for existing Exchange Online tenants (Exchange Team blog, 2026-01-27).';
