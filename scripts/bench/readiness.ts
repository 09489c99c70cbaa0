/**
 * `exoform report` speed, as a user runs it: the real CLI (the bundled dist/cli.js) as a child process, against the emulator answering every
 * Exchange and Graph call after 250 ms.
 *
 *   report-tenant  one tenant of 60,000 mailboxes with 30 days of Basic SMTP sign-ins (2,000 users, twice a day:
 *                  120,000 sign-ins, 120 pages of the sign-in log); target ≤ 25 s.
 *   report-fleet   100 tenants × 1,000 mailboxes (50 users signing in daily each), read 8 tenants at a time from a
 *                  fleet file; target ≤ 3 min.
 *   report-fleet-1000  the same for 1,000 tenants (a million mailboxes in one emulator process); target ≤ 3 min.
 *
 * Emulator set-up is not timed. Each figure is the median of EXOFORM_BENCH_RUNS runs (default 3).
 */
import { spawn } from 'node:child_process';
import { closeSync, createReadStream, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { startEmulator } from '../../src/emulator';
import type { FixtureDocument } from '../../src/emulator/fixture';
import { ROOT } from '../package';
import { median, type Figure } from './report';

const TOKEN = 'bench-report-token';
const CALL_MS = 250;
const RUNS = Number(process.env.EXOFORM_BENCH_RUNS ?? 3);

/** CPU seconds of this process's finished children, from /proc (NaN elsewhere). */
function childrenCpuSeconds(): number {
  try {
    const fields = readFileSync('/proc/self/stat', 'utf8').split(') ')[1]!.split(' ');
    return (Number(fields[13]) + Number(fields[14])) / 100;
  } catch {
    return NaN;
  }
}

/** CPU seconds spent by the emulator (this process) and the CLI (the child) during `work`, and the machine's load. */
async function withCpu<T>(work: () => Promise<T>): Promise<{ result: T; note: string }> {
  const ownBefore = process.cpuUsage();
  const childBefore = childrenCpuSeconds();
  const result = await work();
  const own = process.cpuUsage(ownBefore);
  const child = childrenCpuSeconds() - childBefore;
  const load = readFileSync('/proc/loadavg', 'utf8').split(' ')[0];
  return {
    result,
    note: `CPU: emulator ${((own.user + own.system) / 1e6).toFixed(1)} s, CLI ${child.toFixed(1)} s; load average ${load} on ${cpus().length} cores`,
  };
}

/** What the benchmarks check in a report: its totals, and per tenant the requests and sign-ins read. */
interface ReportSummary {
  totals: { mailboxes: number; notRead: number };
  tenants: Array<{ requests: { exchange: number; graph: number }; evidence?: { signIns?: { count?: number } } }>;
}

/**
 * Reads the summary out of the CLI's pretty JSON line by line: 1,000 tenants × 1,000 mailboxes make more JSON than
 * one string may hold, so the file is never read whole. Relies on JSON.stringify's two-space layout, which the CLI
 * keeps (test/report/report-cli.test.ts).
 */
export async function summarize(file: string): Promise<ReportSummary> {
  const summary: ReportSummary = { totals: { mailboxes: NaN, notRead: NaN }, tenants: [] };
  const keys: string[] = [];
  for await (const line of createInterface({ input: createReadStream(file) })) {
    const indent = line.length - line.trimStart().length;
    const level = indent / 2;
    if (level === 2 && line.trim().startsWith('{') && keys[1] === 'tenants')
      summary.tenants.push({ requests: { exchange: 0, graph: 0 } });
    const match = /^ *"([^"]+)": (.*?),?$/.exec(line);
    if (!match) continue;
    const [, key, value] = match as unknown as [string, string, string];
    keys[level] = key;
    keys.length = level + 1;
    const number = Number(value);
    if (keys[1] === 'totals' && level === 2 && (key === 'mailboxes' || key === 'notRead')) summary.totals[key] = number;
    const tenant = summary.tenants[summary.tenants.length - 1];
    if (!tenant || keys[1] !== 'tenants') continue;
    if (level === 4 && keys[3] === 'requests' && (key === 'exchange' || key === 'graph')) tenant.requests[key] = number;
    if (level === 5 && keys[3] === 'evidence' && keys[4] === 'signIns' && key === 'count')
      tenant.evidence = { signIns: { count: number } };
  }
  return summary;
}

/** Runs the CLI with its JSON going straight to a file; resolves with wall-clock seconds and the report's summary. */
function timeReport(args: string[], env: Record<string, string>): Promise<{ seconds: number; report: ReportSummary }> {
  const output = join(mkdtempSync(join(tmpdir(), 'exoform-bench-report-out-')), 'report.json');
  const fd = openSync(output, 'w');
  return new Promise<{ seconds: number; report: ReportSummary }>((resolve, reject) => {
    const started = process.hrtime.bigint();
    // dist/cli.js: the bundled command a packaged install runs (npm run bench builds it first).
    const child = spawn(
      process.execPath,
      [join(ROOT, 'dist', 'cli.js'), 'report', ...args, '--format', 'json', '--quiet'],
      {
        env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env },
        stdio: ['ignore', fd, 'pipe'],
      },
    );
    let stderr = '';
    child.stderr!.on('data', (chunk) => (stderr += chunk));
    child.on('error', reject);
    child.on('close', (code) => {
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      if (code !== 0) return reject(new Error(`exoform report exited with ${code}: ${stderr.slice(0, 2000)}`));
      summarize(output).then((report) => resolve({ seconds, report }), reject);
    });
  }).finally(() => {
    closeSync(fd);
    rmSync(dirname(output), { recursive: true, force: true });
  });
}

export async function benchReportTenant(): Promise<Figure[]> {
  const fixture: FixtureDocument = {
    tenants: [
      {
        domain: 'bigcorp.onmicrosoft.com',
        transportConfig: { SmtpClientAuthenticationDisabled: false },
        generatedMailboxes: 60_000,
        graph: { generatedSignIns: { users: 2_000, perDay: 2 } },
      },
    ],
  };
  const directory = mkdtempSync(join(tmpdir(), 'exoform-bench-report-'));
  const emulator = await startEmulator({
    dataFile: join(directory, 'state.json'),
    seed: fixture,
    token: TOKEN,
    latency: { callMs: CALL_MS },
  });
  try {
    const times: number[] = [];
    let last;
    let cpu = '';
    for (let i = 0; i < RUNS; i++) {
      const measured = await withCpu(() =>
        timeReport(['--tenant', 'bigcorp.onmicrosoft.com'], { EXO_ENDPOINT: emulator.url, EXO_ACCESS_TOKEN: TOKEN }),
      );
      last = measured.result;
      cpu = measured.note;
      if (last.report.totals.mailboxes !== 60_000)
        throw new Error(`report-tenant: expected 60000 mailboxes, got ${last.report.totals.mailboxes}`);
      times.push(last.seconds);
    }
    const t = last!.report.tenants[0]!;
    return [
      {
        id: 'report-tenant',
        label: 'exoform report, 60,000 mailboxes + 30 days of sign-ins, 250 ms/call',
        value: median(times),
        unit: 's',
        target: 25,
        note: `runs ${times.map((s) => s.toFixed(1)).join(', ')} s; ${t.requests.exchange} Exchange pages, ${t.requests.graph} Graph requests, ${t.evidence?.signIns?.count} sign-ins; last run ${cpu}`,
      },
    ];
  } finally {
    await emulator.close();
    rmSync(directory, { recursive: true, force: true });
  }
}

export async function benchReportFleet(tenants = 100): Promise<Figure[]> {
  const id = tenants === 100 ? 'report-fleet' : `report-fleet-${tenants}`;
  const domain = (i: number): string => `fleet${String(i).padStart(3, '0')}.onmicrosoft.com`;
  const fixture: FixtureDocument = {
    tenants: Array.from({ length: tenants }, (_, i) => ({
      domain: domain(i),
      transportConfig: { SmtpClientAuthenticationDisabled: i % 2 === 0 },
      generatedMailboxes: 1_000,
      generatedMailboxSmtpClientAuthenticationDisabled: i % 3 === 0 ? false : null,
      graph: { generatedSignIns: { users: 50, perDay: 1 }, securityDefaults: i % 10 === 0 },
    })),
  };
  const directory = mkdtempSync(join(tmpdir(), 'exoform-bench-report-fleet-'));
  // No state file: the report only reads, and a million mailboxes would make a state file of several hundred MB.
  const emulator = await startEmulator({ seed: fixture, token: TOKEN, latency: { callMs: CALL_MS } });
  const emulatorHeapMiB = process.memoryUsage().heapUsed / 2 ** 20;
  try {
    const fleetFile = join(directory, 'fleet.yaml');
    writeFileSync(
      fleetFile,
      [
        'version: 1',
        'defaults:',
        `  endpoint: ${emulator.url}`,
        '  credentials:',
        '    accessToken: { env: TF_VAR_exo_token }',
        'tenants:',
        ...Array.from({ length: tenants }, (_, i) => `  - tenant: ${domain(i)}`),
      ].join('\n'),
    );
    const times: number[] = [];
    let last;
    let cpu = '';
    for (let i = 0; i < RUNS; i++) {
      const measured = await withCpu(() =>
        timeReport(['--fleet', fleetFile, '--parallel', '8'], { TF_VAR_exo_token: TOKEN }),
      );
      last = measured.result;
      cpu = measured.note;
      if (last.report.totals.mailboxes !== tenants * 1_000 || last.report.totals.notRead !== 0)
        throw new Error(`${id}: not every tenant was read`);
      times.push(last.seconds);
    }
    const calls = last!.report.tenants.reduce((n, t) => n + t.requests.exchange + t.requests.graph, 0);
    return [
      {
        id,
        label: `exoform report, ${tenants.toLocaleString('en-US')} tenants × 1,000 mailboxes, 8 at a time, 250 ms/call`,
        value: median(times),
        unit: 's',
        target: 180,
        note: `runs ${times.map((s) => s.toFixed(1)).join(', ')} s; ${calls} calls in all; last run ${cpu}; emulator heap ${emulatorHeapMiB.toFixed(0)} MiB (one process)`,
      },
    ];
  } finally {
    await emulator.close();
    rmSync(directory, { recursive: true, force: true });
  }
}
