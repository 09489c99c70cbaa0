/**
 * Runs the readiness report over a list of tenants: tenants side by side up to a bound, progress lines as each
 * finishes, every tenant accounted for (a tenant that can't be read is in the report as unreachable or failed).
 */
import { tenantVerdict, type Verdict } from '../exchange/readiness';
import { readTenantReadiness, type TenantTarget } from './collect';
import { CHANGE_DESCRIPTION, REPORT_SCHEMA_VERSION, type ReadinessReport, type TenantReadiness } from './report-model';
import { EVIDENCE_DAYS } from '../graph/smtp-evidence';
import { REMEDIES } from '../exchange/remedies';

export interface RunOptions {
  /** Tenants read at once. @default 8 */
  parallel?: number;
  progress?: (line: string) => void;
  /** How often to list the tenants still being read. @default 10 s */
  progressIntervalMs?: number;
  now?: Date;
  signal?: AbortSignal;
}

export async function runReadinessReport(
  targets: readonly TenantTarget[],
  options: RunOptions = {},
): Promise<ReadinessReport> {
  const results: TenantReadiness[] = new Array(targets.length);
  const parallel = Math.max(1, Math.min(options.parallel ?? 8, targets.length || 1));
  let next = 0;
  let done = 0;
  const started = Date.now();
  options.progress?.(`Reading ${targets.length} tenant(s), ${parallel} at a time…`);
  // A big tenant takes a while: say every 10 s which tenants are still being read, so a long run never looks stuck.
  const inFlight = new Map<number, { name: string; since: number }>();
  const ticker = options.progress
    ? setInterval(() => {
        const now = Date.now();
        if (inFlight.size === 0) return;
        options.progress!(
          `… still reading: ${[...inFlight.values()].map(({ name, since }) => `${name} (${Math.round((now - since) / 1000)} s)`).join(', ')}`,
        );
      }, options.progressIntervalMs ?? 10_000)
    : undefined;
  ticker?.unref();
  const worker = async (): Promise<void> => {
    while (next < targets.length) {
      const index = next++;
      inFlight.set(index, { name: targets[index]!.name, since: Date.now() });
      const result = await readTenantReadiness(targets[index]!, { now: options.now, signal: options.signal });
      inFlight.delete(index);
      results[index] = result;
      done++;
      const what =
        result.status === 'ok'
          ? `${result.verdict} (${result.counts!.mailboxes} mailboxes: ${result.counts!.verdicts.breaks} breaks, ${result.counts!.verdicts['at-risk']} at risk; ${result.requests.exchange} Exchange page(s), ${result.requests.graph} Graph request(s))`
          : `${result.status.toUpperCase()}: ${result.error}`;
      options.progress?.(
        `[${done}/${targets.length}] ${result.name}: ${what} in ${(result.durationMs / 1000).toFixed(1)} s`,
      );
    }
  };
  try {
    await Promise.all(Array.from({ length: parallel }, worker));
  } finally {
    if (ticker) clearInterval(ticker);
  }
  options.progress?.(`Done in ${((Date.now() - started) / 1000).toFixed(1)} s.`);

  const verdicts = { breaks: 0, 'at-risk': 0, ready: 0 };
  const tenantVerdicts = { breaks: 0, 'at-risk': 0, ready: 0 };
  let mailboxes = 0;
  for (const t of results) {
    if (t.status !== 'ok') continue;
    mailboxes += t.counts!.mailboxes;
    for (const v of ['breaks', 'at-risk', 'ready'] as const) verdicts[v] += t.counts!.verdicts[v];
    tenantVerdicts[t.verdict!]++;
  }
  return {
    schemaVersion: REPORT_SCHEMA_VERSION,
    generatedAt: (options.now ?? new Date()).toISOString(),
    evidenceWindowDays: EVIDENCE_DAYS,
    change: CHANGE_DESCRIPTION,
    totals: {
      tenants: results.length,
      notRead: results.filter((t) => t.status !== 'ok').length,
      mailboxes,
      verdicts,
      tenantVerdicts,
    },
    tenants: results,
    remedies: REMEDIES,
  };
}

/** Whether `--fail-on <level>` is met: breaks = any tenant breaks; at-risk = any tenant breaks or is at risk. */
export function failOnMet(report: ReadinessReport, level: Verdict | undefined): boolean {
  if (!level || level === 'ready') return false;
  const worst = tenantVerdict(report.tenants.filter((t) => t.status === 'ok').map((t) => t.verdict!));
  return level === 'breaks' ? worst === 'breaks' : worst !== 'ready';
}
