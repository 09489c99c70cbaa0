/**
 * The report as one self-contained HTML page: inline CSS and SVG, no script, no external resource (fonts, images,
 * CDNs), so it can be mailed, archived as a CI artifact, or opened offline. One card per tenant, each with two bar
 * charts read at a glance: the effective state of its mailboxes and their verdicts. Every value is escaped.
 */
import { remedy } from '../exchange/remedies';
import { describeUnknownProperty } from '../exchange/watched-properties';
import type { MailboxChange, ReportComparison, TenantComparison } from './compare';
import type { MailboxReadiness, ReadinessReport, TenantReadiness } from './report-model';

const COLORS = {
  breaks: '#c62828',
  'at-risk': '#ef8f00',
  ready: '#2e7d32',
  basic: '#c62828',
  blocked: '#1565c0',
  off: '#9e9e9e',
} as const;

function esc(value: unknown): string {
  return String(value ?? '').replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!,
  );
}

interface Segment {
  key: string;
  label: string;
  count: number;
  color: string;
}

/** One horizontal stacked bar with a legend beneath; data-* attributes carry the numbers (the browser test reads them). */
function bar(chart: string, title: string, segments: Segment[]): string {
  const total = segments.reduce((sum, s) => sum + s.count, 0);
  const width = 520;
  let x = 0;
  const rects = segments
    .filter((s) => s.count > 0)
    .map((s) => {
      const w = total ? Math.max(2, (s.count / total) * width) : 0;
      const rect = `<rect x="${x.toFixed(1)}" y="0" width="${w.toFixed(1)}" height="26" fill="${s.color}" data-segment="${esc(s.key)}" data-count="${s.count}"><title>${esc(s.label)}: ${s.count}</title></rect>`;
      const label =
        w > 34
          ? `<text x="${(x + w / 2).toFixed(1)}" y="18" text-anchor="middle" fill="#fff" font-size="13" font-weight="600">${s.count}</text>`
          : '';
      x += w;
      return rect + label;
    })
    .join('');
  const legend = segments
    .map((s) => `<span class="key"><i style="background:${s.color}"></i>${esc(s.label)} <b>${s.count}</b></span>`)
    .join('');
  return (
    `<figure class="chart" data-chart="${esc(chart)}" data-total="${total}"><figcaption>${esc(title)}</figcaption>` +
    `<svg role="img" aria-label="${esc(title)}" width="${width}" height="26" viewBox="0 0 ${width} 26" xmlns="http://www.w3.org/2000/svg">` +
    `<rect x="0" y="0" width="${width}" height="26" fill="#eee"/>${rects}</svg><div class="legend">${legend}</div></figure>`
  );
}

function effectiveSegments(mailboxes: MailboxReadiness[]): Segment[] {
  const off = mailboxes.filter((m) => !m.effectiveSmtpAuth).length;
  const blocked = mailboxes.filter((m) => m.effectiveSmtpAuth && !m.effectiveBasicSmtp).length;
  const basic = mailboxes.filter((m) => m.effectiveBasicSmtp).length;
  return [
    { key: 'basic-smtp-allowed', label: 'Basic SMTP allowed', count: basic, color: COLORS.basic },
    { key: 'smtp-auth-on-basic-blocked', label: 'SMTP AUTH on, Basic blocked', count: blocked, color: COLORS.blocked },
    { key: 'smtp-auth-off', label: 'SMTP AUTH off', count: off, color: COLORS.off },
  ];
}

function verdictSegments(counts: { breaks: number; 'at-risk': number; ready: number }): Segment[] {
  return [
    { key: 'breaks', label: 'Breaks', count: counts.breaks, color: COLORS.breaks },
    { key: 'at-risk', label: 'At risk', count: counts['at-risk'], color: COLORS['at-risk'] },
    { key: 'ready', label: 'Ready', count: counts.ready, color: COLORS.ready },
  ];
}

const ACTION_ROWS = 50;

function usageCell(m: MailboxReadiness): string {
  if (m.usage.source === 'signins')
    return `${m.usage.successfulSignIns} sign-ins${m.usage.failedSignIns ? ` (+${m.usage.failedSignIns} failed)` : ''}${m.usage.lastUsed ? `, last ${m.usage.lastUsed.slice(5, 10)}` : ''}`;
  if (m.usage.source === 'usage-report')
    return m.usage.smtpUsed
      ? `SMTP used${m.usage.lastUsed ? ` ${m.usage.lastUsed.slice(5, 10)}` : ''} (report)`
      : 'no SMTP (report)';
  return 'no evidence';
}

/** Each way out by name, Microsoft's page title beside it (and what to do in the tooltip). */
function waysCell(m: MailboxReadiness): string {
  return (m.remedies ?? [])
    .map((id) => {
      const r = remedy(id);
      return (
        `<span class="way" data-remedy="${esc(id)}" title="${esc(r.action)}">` +
        `${esc(r.name)} <cite>${esc(r.microsoftPage)}</cite></span>`
      );
    })
    .join('');
}

/** The December 2026 watch: properties exoform does not model, in a box that is hard to miss. */
function unknownBox(t: TenantReadiness): string {
  const found = t.unknownProperties ?? [];
  if (found.length === 0) return '';
  const items = found
    .map(
      (p) =>
        `<li data-property="${esc(p.property)}" data-cmdlet="${esc(p.cmdlet)}">` +
        `${esc(describeUnknownProperty(p))}</li>`,
    )
    .join('');
  return (
    `<div class="watch" data-unmodelled="${found.length}">` +
    `<b>Unmodelled SMTP/auth properties: perhaps Microsoft's switch.</b><ul>${items}</ul></div>`
  );
}

/** "before → after" with the change as ▼ (fewer: good) or ▲ (more) beside it. */
function signed(before: number | null, after: number | null): string {
  if (before === null || after === null) return `${before ?? '–'} → ${after ?? '–'}`;
  const delta = after - before;
  const [name, mark] = delta < 0 ? ['down', '▼'] : delta > 0 ? ['up', '▲'] : ['flat', '='];
  return `${before} → ${after} <span class="${name}">${mark}${delta === 0 ? '' : Math.abs(delta)}</span>`;
}

function changeRow(m: MailboxChange): string {
  return (
    `<tr class="${esc(m.change)}" data-change="${esc(m.change)}" data-mailbox="${esc(m.userPrincipalName)}">` +
    `<td>${esc(m.userPrincipalName)}</td><td>${esc(m.change)}</td>` +
    `<td>${esc(m.verdictBefore ?? '–')} → ${esc(m.verdictAfter ?? '–')}</td>` +
    `<td>${signed(m.signInsBefore, m.signInsAfter)}</td></tr>`
  );
}

/** One tenant's trend: its verdict bar then and now, one above the other, and the mailboxes that changed. */
function trendRow(t: TenantComparison): string {
  const bars =
    t.countsBefore && t.countsAfter
      ? bar('before', 'Then', verdictSegments(t.countsBefore)) + bar('after', 'Now', verdictSegments(t.countsAfter))
      : `<p>Not read ${t.countsBefore ? 'now' : 'then'}: no trend.</p>`;
  const changes = t.mailboxes.slice(0, ACTION_ROWS).map(changeRow).join('');
  const head = '<thead><tr><th>Mailbox</th><th>Change</th><th>Verdict</th><th>Basic SMTP sign-ins</th></tr></thead>';
  return (
    `<section class="trend" data-trend-tenant="${esc(t.tenant)}" data-fixed="${t.changes.fixed}" ` +
    `data-newly-breaking="${t.changes.newlyBreaking}"><header><h3>${esc(t.name)}</h3>` +
    `<span>${esc(t.verdictBefore ?? 'not read')} → ${esc(t.verdictAfter ?? 'not read')}; ` +
    `Basic SMTP sign-ins ${signed(t.signInsBefore, t.signInsAfter)}</span></header>` +
    `<div class="charts">${bars}</div>` +
    (changes ? `<table>${head}<tbody>${changes}</tbody></table>` : '<p>No mailbox changed.</p>') +
    '</section>'
  );
}

function comparisonSection(c: ReportComparison): string {
  const x = c.totals.changes;
  const breaking = signed(c.totals.verdictsBefore.breaks, c.totals.verdictsAfter.breaks);
  return (
    `<section class="comparison" data-comparison="${esc(c.earlierGeneratedAt)}">` +
    `<h2>Since ${esc(c.earlierGeneratedAt)}</h2>` +
    `<div class="summary"><div class="tile ready" data-change="fixed"><b>${x.fixed}</b>fixed</div>` +
    `<div class="tile breaks" data-change="newly-breaking"><b>${x.newlyBreaking}</b>newly breaking</div>` +
    `<div class="tile"><b>${breaking}</b>mailboxes breaking</div>` +
    `<div class="tile"><b>${signed(c.totals.signInsBefore, c.totals.signInsAfter)}</b>Basic SMTP sign-ins</div></div>` +
    `<div class="grid">${c.tenants.map(trendRow).join('')}</div></section>`
  );
}

function waysOutSection(report: ReadinessReport): string {
  const used = new Set(report.tenants.flatMap((t) => (t.mailboxes ?? []).flatMap((m) => m.remedies ?? [])));
  const listed = report.remedies.filter((r) => used.has(r.id));
  if (listed.length === 0) return '';
  const entries = listed
    .map(
      (r) =>
        `<dt data-remedy="${esc(r.id)}">${esc(r.name)} — <cite>${esc(r.microsoftPage)}</cite></dt>` +
        `<dd>${esc(r.action)}</dd>`,
    )
    .join('');
  return (
    `<section class="ways-out"><h2>Ways out</h2><dl>${entries}</dl>` +
    '<p>What each costs and what exoform manages for it: docs/guides/december-2026.md.</p></section>'
  );
}

function tenantCard(t: TenantReadiness): string {
  if (t.status !== 'ok') {
    return (
      `<section class="tenant notread" data-tenant="${esc(t.tenant)}" data-status="${esc(t.status)}"><header><h2>${esc(t.name)} <small>${esc(t.tenant)}</small></h2>` +
      `<span class="badge notread">${t.status === 'unreachable' ? 'Unreachable' : 'Not read'}</span></header><p class="error">${esc(t.error)}</p>` +
      "<p>Nothing is known about this tenant's readiness until it can be read.</p></section>"
    );
  }
  const o = t.organization!;
  const c = t.counts!;
  const e = t.evidence!;
  const mailboxes = t.mailboxes ?? [];
  const evidence =
    e.source === 'signins'
      ? `Entra sign-ins: ${e.signIns.count ?? 0} Basic SMTP sign-ins in 30 days`
      : e.source === 'usage-report'
        ? `Usage report only (sign-ins: ${e.signIns.reason})`
        : `No evidence available (${[e.signIns.reason, e.usageReport.reason].filter(Boolean).join('; ')})`;
  const action = mailboxes.filter((m) => m.verdict !== 'ready');
  const rows = action
    .slice(0, ACTION_ROWS)
    .map(
      (m) =>
        `<tr class="${m.verdict}" data-mailbox="${esc(m.userPrincipalName)}">` +
        `<td>${esc(m.userPrincipalName)}</td>` +
        `<td>${m.recipientTypeDetails === 'SharedMailbox' ? 'shared' : 'user'}</td><td>${esc(m.smtpAuthSetting)}</td>` +
        `<td>${esc(m.decidedBy)}</td><td>${esc(usageCell(m))}</td>` +
        `<td><span class="pill ${m.verdict}">${esc(m.verdict)}</span></td>` +
        `<td class="ways">${waysCell(m)}</td></tr>`,
    )
    .join('');
  const table = action.length
    ? `<details${action.length <= 12 ? ' open' : ''}><summary>${action.length} mailbox(es) to act on</summary>` +
      '<table><thead><tr><th>Mailbox</th><th>Type</th><th>Own setting</th><th>Decided by</th><th>Usage (30 days)</th>' +
      `<th>Verdict</th><th>Ways out</th></tr></thead><tbody>${rows}</tbody></table>` +
      `${action.length > ACTION_ROWS ? `<p>… and ${action.length - ACTION_ROWS} more in the JSON or CSV report.</p>` : ''}</details>`
    : '<p class="ok">Nothing to act on.</p>';
  return (
    `<section class="tenant" data-tenant="${esc(t.tenant)}" data-status="ok" data-verdict="${esc(t.verdict)}">` +
    `<header><h2>${esc(t.name)} <small>${esc(t.tenant)}</small></h2><span class="badge ${esc(t.verdict)}">${t.verdict === 'breaks' ? 'Breaks' : t.verdict === 'at-risk' ? 'At risk' : 'Ready'}</span></header>` +
    `<ul class="facts"><li>SMTP AUTH org-wide: <b>${o.smtpClientAuthenticationDisabled ? 'off' : 'on'}</b></li><li>Legacy TLS: <b>${o.allowLegacyTlsClients ? 'allowed' : 'off'}</b></li>` +
    `<li>Default policy: <b>${esc(o.defaultAuthenticationPolicy ?? 'none')}</b></li><li>Security defaults: <b>${esc(o.securityDefaults)}</b></li>` +
    `<li>${c.mailboxes} mailboxes (${c.sharedMailboxes} shared)</li></ul>` +
    `<p class="evidence">${esc(evidence)}</p>${unknownBox(t)}` +
    `<div class="charts">${bar('effective', 'Effective state', effectiveSegments(mailboxes))}${bar('verdicts', 'Verdict for end of December 2026', verdictSegments(c.verdicts))}</div>` +
    `${table}</section>`
  );
}

export function renderHtml(report: ReadinessReport): string {
  const t = report.totals;
  const css = `
body{font:15px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:0;background:#f5f6f8;color:#1d2330}
main{max-width:1180px;margin:0 auto;padding:24px}
h1{font-size:24px;margin:0 0 4px}h2{font-size:18px;margin:0}h2 small{font-weight:400;color:#5b6475;font-size:13px;margin-left:6px}
.sub{color:#5b6475;margin:0 0 18px}
.summary{display:flex;gap:12px;flex-wrap:wrap;margin-bottom:18px}
.tile{background:#fff;border-radius:8px;padding:12px 16px;min-width:150px;box-shadow:0 1px 2px rgba(0,0,0,.08)}
.tile b{display:block;font-size:26px}.tile.breaks b{color:${COLORS.breaks}}.tile.at-risk b{color:${COLORS['at-risk']}}.tile.ready b{color:${COLORS.ready}}.tile.notread b{color:#616161}
.grid{display:grid;grid-template-columns:repeat(auto-fill,minmax(560px,1fr));gap:16px}
.tenant{min-width:0;background:#fff;border-radius:10px;padding:16px 18px;box-shadow:0 1px 3px rgba(0,0,0,.1);border-top:5px solid #ccc}
.tenant[data-verdict=breaks]{border-top-color:${COLORS.breaks}}.tenant[data-verdict=at-risk]{border-top-color:${COLORS['at-risk']}}.tenant[data-verdict=ready]{border-top-color:${COLORS.ready}}
.tenant.notread{border-top-color:#616161;background:repeating-linear-gradient(135deg,#fff,#fff 12px,#f3f3f3 12px,#f3f3f3 24px)}
header{display:flex;justify-content:space-between;align-items:center;margin-bottom:6px}
.badge{border-radius:12px;padding:2px 12px;color:#fff;font-weight:600;font-size:13px}
.badge.breaks{background:${COLORS.breaks}}.badge.at-risk{background:${COLORS['at-risk']}}.badge.ready{background:${COLORS.ready}}.badge.notread{background:#616161}
.facts{list-style:none;padding:0;margin:4px 0;display:flex;flex-wrap:wrap;gap:4px 16px;font-size:13px;color:#3a4252}
.evidence{font-size:13px;color:#5b6475;margin:2px 0 8px}.error{color:${COLORS.breaks};font-family:ui-monospace,monospace;font-size:13px}
.charts{display:flex;flex-direction:column;gap:8px}.chart{margin:0}.chart figcaption{font-size:12px;font-weight:600;text-transform:uppercase;letter-spacing:.04em;color:#5b6475;margin-bottom:3px}
.chart svg{max-width:100%;height:auto;border-radius:4px}
.legend{display:flex;gap:14px;flex-wrap:wrap;font-size:12.5px;margin-top:3px}.key i{display:inline-block;width:10px;height:10px;border-radius:2px;margin-right:5px}
details{margin-top:10px}summary{cursor:pointer;font-weight:600;font-size:14px}
table{border-collapse:collapse;width:100%;font-size:12.5px;margin-top:6px}th,td{text-align:left;padding:3px 6px;border-bottom:1px solid #eceef2}th{color:#5b6475;font-weight:600}td:nth-child(6){white-space:nowrap}td:first-child{word-break:break-all}
.pill{border-radius:10px;padding:0 8px;color:#fff;font-size:11.5px}.pill.breaks{background:${COLORS.breaks}}.pill.at-risk{background:${COLORS['at-risk']}}
.ok{color:${COLORS.ready};font-weight:600}
.way{display:block;margin-bottom:3px}.way cite{color:#5b6475;font-size:11px}
.watch{background:#fff4e5;border-left:4px solid ${COLORS['at-risk']};padding:6px 10px;margin:6px 0;font-size:13px}
.watch ul{margin:4px 0 0 16px;padding:0}
.comparison{margin-bottom:18px}
.trend{background:#fff;border-radius:10px;padding:12px 16px;box-shadow:0 1px 3px rgba(0,0,0,.1)}
.trend h3{margin:0;font-size:16px}.down{color:${COLORS.ready}}.up{color:${COLORS.breaks}}.flat{color:#5b6475}
.ways-out{background:#fff;border-radius:10px;padding:12px 18px;margin-top:16px}
.ways-out dt{font-weight:600;margin-top:6px}.ways-out dd{margin:0 0 0 12px}
footer{color:#5b6475;font-size:12px;margin-top:20px}`;
  return `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">
<title>SMTP AUTH readiness — ${esc(report.generatedAt.slice(0, 10))}</title><style>${css}</style></head>
<body><main>
<h1>SMTP AUTH readiness</h1>
<p class="sub">${esc(report.change)} Evidence window: ${report.evidenceWindowDays} days. Generated ${esc(report.generatedAt)}.</p>
<div class="summary" data-summary="tenants">
<div class="tile breaks" data-verdict="breaks"><b>${t.tenantVerdicts.breaks}</b>tenant(s) break</div>
<div class="tile at-risk" data-verdict="at-risk"><b>${t.tenantVerdicts['at-risk']}</b>tenant(s) at risk</div>
<div class="tile ready" data-verdict="ready"><b>${t.tenantVerdicts.ready}</b>tenant(s) ready</div>
<div class="tile notread" data-verdict="not-read"><b>${t.notRead}</b>tenant(s) not read</div>
<div class="tile"><b>${t.verdicts.breaks} / ${t.verdicts['at-risk']}</b>mailboxes break / at risk of ${t.mailboxes}</div>
</div>
${report.comparison ? comparisonSection(report.comparison) : ''}
<div class="grid">${report.tenants.map(tenantCard).join('\n')}</div>
${waysOutSection(report)}
<footer>Breaks: Basic SMTP AUTH is allowed and was used in the window. At risk: allowed, no evidence either way. Ready: not allowed, or not used. Generated by exoform (schema version ${report.schemaVersion}).</footer>
</main></body></html>
`;
}
