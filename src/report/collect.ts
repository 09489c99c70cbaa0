/**
 * Reads one tenant for the readiness report and judges every mailbox (src/exchange/readiness.ts decides).
 *
 * Cost: page reads, never a call per mailbox. Exchange: the bulk CAS mailbox read of
 * src/exchange/cas-mailbox-operations.ts, Get-User -ResultSize Unlimited, Get-AuthenticationPolicy,
 * Get-OrganizationConfig, Get-TransportConfig, side by side. Graph, at the same time: security defaults, the sign-in log (time slices read in parallel), and only when
 * the sign-in log is unavailable, the usage report.
 */
import type { CmdletParameters, CmdletResult, ExchangeBridge, InvokeOptions, Row } from '../bridge/bridge';
import { ConcurrencyLimitedBridge } from '../bridge/limited-bridge';
import { ConfigurationError, UnreachableError, isExchangeError } from '../bridge/errors';
import { listAuthenticationPolicies } from '../exchange/authentication-policy-operations';
import { listCasMailboxes, settingWord, type SettingWord } from '../exchange/cas-mailbox-operations';
import { readDefaultAuthenticationPolicy } from '../exchange/organization-config-operations';
import { applicablePolicy, evaluateMailboxReadiness, tenantVerdict, type Verdict } from '../exchange/readiness';
import type { ExchangeSession } from '../exchange/session';
import { readTransportConfig } from '../exchange/transport-config-operations';
import { text } from '../exchange/row';
import { remediesFor } from '../exchange/remedies';
import { scanRows, type UnknownProperty } from '../exchange/watched-properties';
import type { GraphClient } from '../graph/graph-client';
import { EVIDENCE_DAYS, type Unavailable } from '../graph/smtp-evidence';
import { evidenceSource, mailboxUsage, readTenantEvidence, securityDefaultsState } from '../graph/tenant-evidence';
import type { MailboxReadiness, TenantReadiness } from './report-model';

export interface TenantTarget {
  /** The tenant as configured (domain or id). */
  tenant: string;
  /** Short name (the fleet's), for tables and file names. */
  name: string;
  /** Builds the Exchange bridge; throws a ConfigurationError for bad settings. */
  bridge: () => ExchangeBridge;
  /** A Graph client, or why there is none (e.g. only an Exchange access token was given). */
  graph: () => GraphClient | Unavailable;
  maxConcurrentRequests?: number;
}

interface UserRow {
  upn: string;
  displayName: string | null;
  recipientTypeDetails: string | null;
  authenticationPolicy: string | null;
}

/** Counts the HTTP pages a bridge reads, so the report can say what it cost. */
class CountingBridge implements ExchangeBridge {
  calls = 0;
  constructor(private readonly inner: ExchangeBridge) {}
  get organization(): string {
    return this.inner.organization;
  }
  async invoke(cmdlet: string, parameters: CmdletParameters, options: InvokeOptions = {}): Promise<CmdletResult> {
    // A bridge that streams hands over every page (the first included) through onRows: count those. One that does
    // not returns the rows at once, in pages of at most 1000 (Prefer: odata.maxpagesize=1000).
    let pages = 0;
    const collected: Row[] = [];
    const onRows = (rows: Row[]): void => {
      pages++;
      if (options.onRows) options.onRows(rows);
      else for (const row of rows) collected.push(row);
    };
    const result = await this.inner.invoke(cmdlet, parameters, { ...options, onRows });
    this.calls += pages > 0 ? pages : Math.max(1, Math.ceil(result.rows.length / 1000));
    return collected.length > 0 ? { rows: [...collected, ...result.rows], warnings: result.warnings } : result;
  }
  close(): Promise<void> {
    return this.inner.close();
  }
}

/** What the report reads of Get-User: `$select` trims a 60,000-row read to these (CIPP and ExoHelper trim the same way). */
const USER_PROPERTIES = [
  'UserPrincipalName',
  'DisplayName',
  'RecipientTypeDetails',
  'AuthenticationPolicy',
  'ExternalDirectoryObjectId',
  'WindowsEmailAddress',
] as const;

/**
 * Every user, indexed by directory object id, user principal name and primary address (lower-cased): one paged
 * bulk read, each page indexed as it arrives so the raw rows of a large tenant are never all held at once.
 */
async function readUserIndex(session: ExchangeSession): Promise<Map<string, UserRow>> {
  const index = new Map<string, UserRow>();
  const add = (rows: Row[]): void => {
    for (const row of rows) {
      const user: UserRow = {
        upn: text(row, 'UserPrincipalName') ?? '',
        displayName: text(row, 'DisplayName') ?? null,
        recipientTypeDetails: text(row, 'RecipientTypeDetails') ?? null,
        authenticationPolicy: text(row, 'AuthenticationPolicy') ?? null,
      };
      for (const key of [text(row, 'ExternalDirectoryObjectId'), user.upn, text(row, 'WindowsEmailAddress')])
        if (key) index.set(key.toLowerCase(), user);
    }
  };
  const result = await session.bridge.invoke(
    'Get-User',
    { ResultSize: 'Unlimited' },
    { signal: session.signal, select: USER_PROPERTIES, onRows: add },
  );
  add(result.rows); // a bridge that does not stream returns them here
  for (const warning of result.warnings) session.warn?.(`Get-User: ${warning}`);
  return index;
}

export async function readTenantReadiness(
  target: TenantTarget,
  options: { now?: Date; signal?: AbortSignal } = {},
): Promise<TenantReadiness> {
  const started = Date.now();
  const report: TenantReadiness = {
    tenant: target.tenant,
    name: target.name,
    status: 'ok',
    requests: { exchange: 0, graph: 0 },
    durationMs: 0,
  };
  let counting: CountingBridge | undefined;
  let graph: GraphClient | Unavailable | undefined;
  try {
    counting = new CountingBridge(
      new ConcurrencyLimitedBridge(target.bridge(), { maxConcurrent: target.maxConcurrentRequests ?? 4 }),
    );
    graph = target.graph();
    const unknownProperties: UnknownProperty[] = [];
    const session: ExchangeSession = {
      bridge: counting,
      signal: options.signal,
      observe: (cmdlet, rows) => unknownProperties.push(...scanRows(cmdlet, rows)),
    };

    const [mailboxes, userIndex, policies, orgDefault, transport, evidence] = await Promise.all([
      listCasMailboxes(session),
      readUserIndex(session),
      listAuthenticationPolicies(session),
      readDefaultAuthenticationPolicy(session),
      readTransportConfig(session),
      readTenantEvidence(graph, { now: options.now }),
    ]);

    const policyIndex = new Map<string, { name: string; allowBasicAuthSmtp: boolean }>();
    for (const policy of policies) {
      const entry = { name: policy.name, allowBasicAuthSmtp: policy.switches.AllowBasicAuthSmtp };
      for (const key of [policy.name, policy.distinguishedName, policy.guid])
        if (key) policyIndex.set(key.toLowerCase(), entry);
    }
    const securityState = securityDefaultsState(evidence);
    const { securityDefaults, signIns, usageReport } = evidence;

    const rows: MailboxReadiness[] = mailboxes.map((mailbox) => {
      const user =
        (mailbox.externalDirectoryObjectId && userIndex.get(mailbox.externalDirectoryObjectId.toLowerCase())) ||
        userIndex.get(mailbox.primarySmtpAddress.toLowerCase());
      const upn = user?.upn || mailbox.primarySmtpAddress;
      const policy = applicablePolicy(user?.authenticationPolicy ?? null, orgDefault, policyIndex);
      const { usage, out: usageOut } = mailboxUsage(evidence, [upn, mailbox.primarySmtpAddress]);
      const setting: SettingWord = settingWord(mailbox.smtpClientAuthenticationDisabled);
      const readiness = evaluateMailboxReadiness({
        mailboxSetting: setting,
        orgSmtpAuthDisabled: transport.smtpClientAuthenticationDisabled,
        policy,
        securityDefaults: securityState,
        usage,
      });
      return {
        userPrincipalName: upn,
        primarySmtpAddress: mailbox.primarySmtpAddress,
        displayName: user?.displayName ?? mailbox.name ?? null,
        recipientTypeDetails: user?.recipientTypeDetails ?? null,
        smtpAuthSetting: setting,
        authenticationPolicy: policy?.name ?? null,
        authenticationPolicyAppliesAs: policy?.appliesAs ?? null,
        effectiveSmtpAuth: readiness.effectiveSmtpAuth,
        effectiveBasicSmtp: readiness.effectiveBasicSmtp,
        effectiveBasicSmtpUncertain: readiness.effectiveBasicSmtp && readiness.uncertain,
        decidedBy: readiness.decidedBy,
        verdict: readiness.verdict,
        reason: readiness.reason,
        remedies: remediesFor(readiness.verdict, user?.recipientTypeDetails ?? null),
        usage: usageOut,
      };
    });
    rows.sort(
      (a, b) =>
        VERDICT_ORDER[a.verdict] - VERDICT_ORDER[b.verdict] || a.userPrincipalName.localeCompare(b.userPrincipalName),
    );

    report.organization = {
      smtpClientAuthenticationDisabled: transport.smtpClientAuthenticationDisabled,
      allowLegacyTlsClients: transport.allowLegacyTlsClients,
      defaultAuthenticationPolicy: orgDefault,
      securityDefaults: securityState,
    };
    report.evidence = {
      source: evidenceSource(evidence),
      securityDefaults: sourceState(securityDefaults),
      signIns: signIns.available ? { available: true, count: signIns.signIns } : sourceState(signIns),
      usageReport: usageReport
        ? sourceState(usageReport)
        : { available: false, reason: 'not read: the sign-in log was available' },
    };
    report.unknownProperties = unknownProperties;
    report.counts = countRows(rows);
    report.verdict = tenantVerdict(rows.map((r) => r.verdict));
    report.mailboxes = rows;
  } catch (error) {
    report.status = isUnreachable(error) ? 'unreachable' : 'failed';
    report.error = describeError(error);
  } finally {
    await counting?.close().catch(() => undefined);
    report.requests = { exchange: counting?.calls ?? 0, graph: graph && !('available' in graph) ? graph.requests : 0 };
    report.durationMs = Date.now() - started;
  }
  return report;
}

const VERDICT_ORDER: Record<Verdict, number> = { breaks: 0, 'at-risk': 1, ready: 2 };

function sourceState(value: { available: boolean; reason?: string } | Unavailable): {
  available: boolean;
  reason?: string;
} {
  return value.available ? { available: true } : { available: false, reason: (value as Unavailable).reason };
}

function countRows(rows: MailboxReadiness[]): NonNullable<TenantReadiness['counts']> {
  const counts: NonNullable<TenantReadiness['counts']> = {
    mailboxes: rows.length,
    sharedMailboxes: 0,
    smtpAuthSetting: { enabled: 0, disabled: 0, inherit: 0 },
    effectiveSmtpAuth: 0,
    effectiveBasicSmtp: 0,
    verdicts: { breaks: 0, 'at-risk': 0, ready: 0 },
    decidedBy: {},
  };
  for (const row of rows) {
    if (row.recipientTypeDetails === 'SharedMailbox') counts.sharedMailboxes++;
    counts.smtpAuthSetting[row.smtpAuthSetting]++;
    if (row.effectiveSmtpAuth) counts.effectiveSmtpAuth++;
    if (row.effectiveBasicSmtp) counts.effectiveBasicSmtp++;
    counts.verdicts[row.verdict]++;
    counts.decidedBy[row.decidedBy] = (counts.decidedBy[row.decidedBy] ?? 0) + 1;
  }
  return counts;
}

function isUnreachable(error: unknown): boolean {
  if (error instanceof UnreachableError) return true;
  const code = (error as { cause?: { code?: string } })?.cause?.code ?? (error as { code?: string })?.code;
  return (
    code === 'ECONNREFUSED' ||
    code === 'ENOTFOUND' ||
    code === 'EAI_AGAIN' ||
    code === 'ETIMEDOUT' ||
    code === 'ECONNRESET'
  );
}

/** The error in one line with its remedy; ExchangeError messages never carry secrets. */
function describeError(error: unknown): string {
  if (isExchangeError(error) || error instanceof ConfigurationError) {
    const remedy = (error as { remedy?: string }).remedy;
    return remedy ? `${error.message} ${remedy}` : error.message;
  }
  return error instanceof Error ? error.message : String(error);
}

export { EVIDENCE_DAYS };
