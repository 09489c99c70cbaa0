/**
 * The report as text: the terminal table, CSV (one row per mailbox), and the suggested allow-list file(s) in the
 * seeds' format (one mailbox a line, `#` comments), ready for the mailbox_smtp_auth_list resource.
 */
import { remedy } from '../exchange/remedies';
import { describeUnknownProperty } from '../exchange/watched-properties';
import type { ReportComparison } from './compare';
import type { MailboxReadiness, ReadinessReport, TenantReadiness } from './report-model';

const SETTING_LABEL = { enabled: 'enabled', disabled: 'disabled', inherit: 'inherit' } as const;

function yesNo(value: boolean): string {
  return value ? 'on' : 'off';
}

function table(headers: string[], rows: string[][]): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]): string =>
    cells
      .map((c, i) => c.padEnd(widths[i]!))
      .join('  ')
      .trimEnd();
  return [line(headers), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}

function usageText(m: MailboxReadiness): string {
  switch (m.usage.source) {
    case 'signins':
      if (!m.usage.successfulSignIns && !m.usage.failedSignIns) return 'none';
      return `${m.usage.successfulSignIns} ok/${m.usage.failedSignIns} failed${m.usage.lastUsed ? `, last ${m.usage.lastUsed.slice(0, 10)}` : ''}`;
    case 'usage-report':
      return m.usage.smtpUsed
        ? `SMTP used${m.usage.lastUsed ? ` ${m.usage.lastUsed}` : ''} (report)`
        : 'no SMTP (report)';
    default:
      return 'no evidence';
  }
}

/** Mailboxes listed one by one per tenant in the terminal; the rest are counted (JSON and CSV have them all). */
export const TERMINAL_ROWS = 40;

function tenantText(t: TenantReadiness, rowsLimit: number): string {
  const head = `== ${t.name} (${t.tenant})`;
  if (t.status !== 'ok')
    return `${head}: ${t.status.toUpperCase()}\n   ${t.error ?? ''}\n   Not read: nothing is known about this tenant's readiness.`;
  const o = t.organization!;
  const c = t.counts!;
  const e = t.evidence!;
  const evidence =
    e.source === 'signins'
      ? `Entra sign-ins (${e.signIns.count ?? 0} Basic SMTP sign-ins in 30 days)`
      : e.source === 'usage-report'
        ? `email-app usage report only (sign-ins: ${e.signIns.reason})`
        : `none available (${[e.signIns.reason, e.usageReport.reason].filter(Boolean).join('; ')})`;
  const lines = [
    `${head}: ${t.verdict!.toUpperCase()}`,
    `   SMTP AUTH org-wide: ${o.smtpClientAuthenticationDisabled ? 'disabled' : 'enabled'}   legacy TLS clients: ${o.allowLegacyTlsClients ? 'allowed' : 'not allowed'}   ` +
      `default auth policy: ${o.defaultAuthenticationPolicy ?? 'none'}   security defaults: ${o.securityDefaults}${o.securityDefaults === 'unknown' ? ` (${e.securityDefaults.reason})` : ''}`,
    `   evidence: ${evidence}`,
    `   ${c.mailboxes} mailboxes (${c.sharedMailboxes} shared): own setting ${c.smtpAuthSetting.enabled} enabled / ${c.smtpAuthSetting.disabled} disabled / ${c.smtpAuthSetting.inherit} inherit; ` +
      `SMTP AUTH effectively on ${c.effectiveSmtpAuth}; Basic SMTP effectively allowed ${c.effectiveBasicSmtp}`,
    `   verdicts: ${c.verdicts.breaks} breaks, ${c.verdicts['at-risk']} at risk, ${c.verdicts.ready} ready`,
  ];
  for (const found of t.unknownProperties ?? []) {
    lines.push(`   UNMODELLED PROPERTY: ${describeUnknownProperty(found)}`);
  }
  const mailboxes = t.mailboxes ?? [];
  const listed =
    mailboxes.length <= rowsLimit ? mailboxes : mailboxes.filter((m) => m.verdict !== 'ready').slice(0, rowsLimit);
  if (listed.length) {
    lines.push(
      table(
        [
          '  mailbox',
          'type',
          'own setting',
          'SMTP AUTH',
          'Basic SMTP',
          'decided by',
          'usage (30 days)',
          'verdict',
          'ways out',
        ],
        listed.map((m) => [
          `  ${m.userPrincipalName}`,
          m.recipientTypeDetails === 'SharedMailbox'
            ? 'shared'
            : m.recipientTypeDetails === 'UserMailbox'
              ? 'user'
              : (m.recipientTypeDetails ?? '?'),
          SETTING_LABEL[m.smtpAuthSetting],
          yesNo(m.effectiveSmtpAuth),
          m.effectiveBasicSmtp ? (m.effectiveBasicSmtpUncertain ? 'allowed?' : 'allowed') : 'blocked',
          m.decidedBy +
            (m.authenticationPolicy && (m.decidedBy === 'user-policy' || m.decidedBy === 'org-default-policy')
              ? ` (${m.authenticationPolicy})`
              : ''),
          usageText(m),
          m.verdict,
          (m.remedies ?? []).join(', '),
        ]),
      ),
    );
  }
  if (listed.length < mailboxes.length)
    lines.push(
      `   … ${mailboxes.length - listed.length} more mailboxes not listed here (use --format json or csv for all).`,
    );
  return lines.join('\n');
}

/** The ways out named in the table, each with Microsoft's page title (search it on Microsoft Learn). */
function waysOutText(report: ReadinessReport): string[] {
  const used = new Set(report.tenants.flatMap((t) => (t.mailboxes ?? []).flatMap((m) => m.remedies ?? [])));
  if (used.size === 0) return [];
  const lines = ["Ways out (docs/guides/december-2026.md says what each costs; Microsoft's page title in quotes):"];
  for (const r of report.remedies.filter((entry) => used.has(entry.id))) {
    lines.push(`  ${r.id.padEnd(19)} ${r.name}, "${r.microsoftPage}": ${r.action}`);
  }
  return [...lines, ''];
}

const arrow = (before: number | null, after: number | null): string => `${before ?? '–'} → ${after ?? '–'}`;

/** The --compare section: per tenant a line, per changed mailbox a row. */
export function comparisonText(c: ReportComparison, rowsLimit = TERMINAL_ROWS): string[] {
  const x = c.totals.changes;
  const { verdictsBefore: before, verdictsAfter: after } = c.totals;
  const lines = [
    `Since ${c.earlierGeneratedAt}: ${x.fixed} fixed, ${x.newlyBreaking} newly breaking, ` +
      `${x.verdictMoved} other verdict moves; mailboxes breaking ${arrow(before.breaks, after.breaks)}, ` +
      `at risk ${arrow(before['at-risk'], after['at-risk'])}; ` +
      `Basic SMTP sign-ins ${arrow(c.totals.signInsBefore, c.totals.signInsAfter)}`,
  ];
  for (const t of c.tenants) {
    const breaks = arrow(t.countsBefore?.breaks ?? null, t.countsAfter?.breaks ?? null);
    const atRisk = arrow(t.countsBefore?.['at-risk'] ?? null, t.countsAfter?.['at-risk'] ?? null);
    lines.push(
      `  ${t.name}: ${t.verdictBefore ?? 'not read'} → ${t.verdictAfter ?? 'not read'}; breaks ${breaks}, ` +
        `at risk ${atRisk}; sign-ins ${arrow(t.signInsBefore, t.signInsAfter)}; ` +
        `${t.changes.fixed} fixed, ${t.changes.newlyBreaking} newly breaking`,
    );
  }
  const rows = c.tenants.flatMap((t) =>
    t.mailboxes.map((m) => [
      `  ${t.name}`,
      m.userPrincipalName,
      m.change,
      `${m.verdictBefore ?? '–'} → ${m.verdictAfter ?? '–'}`,
      arrow(m.signInsBefore, m.signInsAfter),
    ]),
  );
  if (rows.length) {
    const headers = ['  tenant', 'mailbox', 'change', 'verdict', 'Basic SMTP sign-ins'];
    lines.push('', table(headers, rows.slice(0, rowsLimit)));
    if (rows.length > rowsLimit) lines.push(`  … ${rows.length - rowsLimit} more changes (see --format json).`);
  } else lines.push('  No mailbox changed.');
  return [...lines, ''];
}

export function renderTerminal(report: ReadinessReport, rowsLimit = TERMINAL_ROWS): string {
  const t = report.totals;
  return [
    `SMTP AUTH readiness for the change at the end of December 2026 (Basic SMTP AUTH disabled by default); evidence window ${report.evidenceWindowDays} days`,
    '',
    ...report.tenants.map((tenant) => `${tenantText(tenant, rowsLimit)}\n`),
    `Fleet: ${t.tenants} tenant(s)${t.notRead ? `, ${t.notRead} NOT READ` : ''}; tenants: ${t.tenantVerdicts.breaks} breaks, ${t.tenantVerdicts['at-risk']} at risk, ${t.tenantVerdicts.ready} ready; ` +
      `mailboxes: ${t.verdicts.breaks} breaks, ${t.verdicts['at-risk']} at risk, ${t.verdicts.ready} ready (of ${t.mailboxes})`,
    '',
    ...waysOutText(report),
    ...(report.comparison ? comparisonText(report.comparison, rowsLimit) : []),
  ].join('\n');
}

/** A CSV cell: quoted when needed, and a leading = + - @ neutralised so a spreadsheet never runs it as a formula. */
function cell(value: string | number | boolean | null | undefined): string {
  let text = value === null || value === undefined ? '' : String(value);
  if (/^[=+\-@\t\r]/.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

export const CSV_COLUMNS = [
  'tenant',
  'tenantName',
  'tenantStatus',
  'userPrincipalName',
  'primarySmtpAddress',
  'recipientTypeDetails',
  'smtpAuthSetting',
  'authenticationPolicy',
  'authenticationPolicyAppliesAs',
  'effectiveSmtpAuth',
  'effectiveBasicSmtp',
  'decidedBy',
  'verdict',
  'usageSource',
  'successfulSignIns',
  'failedSignIns',
  'smtpUsed',
  'lastUsed',
  'reason',
  'remedies',
  'unmodelledProperties',
] as const;

/** A mailbox's ways out in one cell: `name ("Microsoft page title")`, separated by ` | `. */
function remediesCell(m: MailboxReadiness): string {
  return (m.remedies ?? []).map((id) => `${remedy(id).name} ("${remedy(id).microsoftPage}")`).join(' | ');
}

function unknownCell(t: TenantReadiness): string {
  return (t.unknownProperties ?? []).map((p) => `${p.cmdlet} ${p.property}=${p.value} (on ${p.seenOn})`).join(' | ');
}

export function renderCsv(report: ReadinessReport): string {
  const lines = [CSV_COLUMNS.join(',')];
  for (const t of report.tenants) {
    if (t.status !== 'ok') {
      const empty = Array<string>(15).fill('');
      lines.push([t.tenant, t.name, t.status, ...empty, t.error, '', ''].map(cell).join(','));
      continue;
    }
    for (const m of t.mailboxes ?? []) {
      lines.push(
        [
          t.tenant,
          t.name,
          t.status,
          m.userPrincipalName,
          m.primarySmtpAddress,
          m.recipientTypeDetails,
          m.smtpAuthSetting,
          m.authenticationPolicy,
          m.authenticationPolicyAppliesAs,
          m.effectiveSmtpAuth,
          m.effectiveBasicSmtp,
          m.decidedBy,
          m.verdict,
          m.usage.source,
          m.usage.successfulSignIns,
          m.usage.failedSignIns,
          m.usage.smtpUsed,
          m.usage.lastUsed,
          m.reason,
          remediesCell(m),
          unknownCell(t),
        ]
          .map(cell)
          .join(','),
      );
    }
  }
  return `${lines.join('\r\n')}\r\n`;
}

/** Commented-out review lines at most, so a tenant with no evidence does not produce a 60,000-line file. */
const REVIEW_LINES = 200;

/**
 * The suggested allow list of one tenant: the mailboxes that use SMTP and would lose it (breaks), and those the usage
 * report shows sending over SMTP (auth method unknown). Mailboxes at risk without evidence are listed commented out.
 */
export function renderAllowList(t: TenantReadiness, generatedAt: string): string {
  const lines = [
    `# Suggested SMTP AUTH allow list for ${t.tenant}, from 'exoform report' at ${generatedAt}.`,
    '# One mailbox a line; text after # is a comment. Review before use: keep only mailboxes whose device or app',
    '# cannot move to OAuth yet. Format: the allow-list files read by the mailbox_smtp_auth_list resource.',
  ];
  if (t.status !== 'ok')
    return `${lines.join('\n')}\n# NOT READ (${t.status}): ${(t.error ?? '').replace(/[\r\n]+/g, ' ')}\n`;
  const mailboxes = t.mailboxes ?? [];
  const needed = mailboxes.filter((m) => m.verdict === 'breaks' || (m.verdict === 'at-risk' && m.usage.smtpUsed));
  const unknown = mailboxes.filter((m) => m.verdict === 'at-risk' && !m.usage.smtpUsed);
  lines.push('');
  if (needed.length === 0) lines.push('# No mailbox with evidence of SMTP use needs an exception.');
  for (const m of needed) {
    const why =
      m.usage.source === 'signins'
        ? `${m.usage.successfulSignIns} Basic SMTP sign-ins, last ${m.usage.lastUsed?.slice(0, 10) ?? '?'}`
        : `SMTP use in the usage report${m.usage.lastUsed ? `, last ${m.usage.lastUsed}` : ''}`;
    lines.push(`${m.userPrincipalName}    # ${m.verdict}: ${why}`);
  }
  if (unknown.length) {
    lines.push(
      '',
      `# At risk, no usage evidence either way (${unknown.length}): uncomment those that send mail over SMTP AUTH.`,
    );
    for (const m of unknown.slice(0, REVIEW_LINES)) lines.push(`# ${m.userPrincipalName}`);
    if (unknown.length > REVIEW_LINES)
      lines.push(`# … and ${unknown.length - REVIEW_LINES} more (see the JSON or CSV report).`);
  }
  return `${lines.join('\n')}\n`;
}
