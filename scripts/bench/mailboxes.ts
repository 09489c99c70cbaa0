/**
 * Mailbox-scale benchmarks, with the real terraform and the emulator's latency model:
 *   P1  plan of one tenant managing 60,000 mailboxes through exchangeonline_mailbox_smtp_auth_list at 250 ms
 *       per call: wall time, bridge calls (from the emulator's call log), the provider's peak RSS, and the bytes of
 *       one 1,000-row Get-CASMailbox page as the provider asks for it (trimmed with $select) and whole.
 *   P2  plan of 1,000 exchangeonline_mailbox_smtp_auth (with state) at zero latency ÷ the same plan of 1,000
 *       terraform_data.
 *   P4  apply of 5,000 mailbox changes at 250 ms per call, and the most requests the tenant saw at once.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startEmulator, type RunningEmulator } from '../../src/emulator';
import type { FixtureDocument } from '../../src/emulator/fixture';
import { CAS_MAILBOX_PROPERTIES } from '../../src/exchange/cas-mailbox-operations';
import { DEFAULT_MAX_CONCURRENT_REQUESTS } from '../../src/provider/provider';
import { PROVIDER, terraform } from './plan';
import { median, type Figure } from './report';

const TENANT = 'fabrikam.onmicrosoft.com';

const upn = (i: number, width = 5): string => `user${String(i).padStart(width, '0')}@fabrikam.com`;

/** One list resource fed by a text file, one mailbox a line (the P1 and P4 configuration). */
const ALLOW_LIST_TF = `${PROVIDER}
resource "exchangeonline_mailbox_smtp_auth_list" "allowed" {
  identities                          = { for line in split("\\n", file("\${path.module}/allow-smtp-auth.txt")) : trimspace(line) => "" if trimspace(line) != "" }
  smtp_client_authentication_disabled = false
}
`;

/** The same list read with the provider's mailbox_list function, as the docs and examples write it (P1-function). */
const ALLOW_LIST_FUNCTION_TF = ALLOW_LIST_TF.replace(
  /identities( +)= .*/,
  'identities$1= provider::exchangeonline::mailbox_list(file("${path.module}/allow-smtp-auth.txt"))',
);

interface Bench {
  emulator: RunningEmulator;
  dir: string;
  env: Record<string, string>;
  close(): Promise<void>;
}

async function setUp(mailboxes: number, generatedSetting: boolean | null): Promise<Bench> {
  const dir = mkdtempSync(join(tmpdir(), 'exoform-bench-'));
  const fixture: FixtureDocument = {
    tenants: [
      {
        domain: TENANT,
        domains: ['fabrikam.com'],
        generatedMailboxes: mailboxes,
        generatedMailboxSmtpClientAuthenticationDisabled: generatedSetting,
      },
    ],
  };
  const token = 'bench-token';
  const emulator = await startEmulator({ dataFile: join(dir, 'emulator.json'), seed: fixture, token });
  return {
    emulator,
    dir,
    env: { EXO_ENDPOINT: emulator.url, EXO_ORGANIZATION: TENANT, EXO_ACCESS_TOKEN: token },
    close: async () => {
      await emulator.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

const setLatency = (bench: Bench, callMs: number): void =>
  void bench.emulator.control.updateLatency({ callMs, connectMs: 0, pageSize: 1000 });
const resetStats = (bench: Bench): void => {
  bench.emulator.control.calls.clear();
  bench.emulator.control.stats.clear();
};

/** Records each provider process's own peak RSS (VmHWM) when it exits; see the file. */
const PEAK_RSS_PRELOAD = join(__dirname, 'peak-rss-preload.cjs');

function peakRss(file: string): number {
  if (!existsSync(file)) return NaN;
  const lines = readFileSync(file, 'utf8').trim().split('\n').filter(Boolean);
  return Math.max(...lines.map((line) => (JSON.parse(line) as { maxRssKiB: number }).maxRssKiB)) / 1024;
}

/** P1 and P1-calls, P1-rss. */
export async function benchP1(runs = 3): Promise<Figure[]> {
  const count = 60_000;
  const bench = await setUp(count, false);
  try {
    const lines = Array.from({ length: count }, (_, i) => upn(i + 1));
    writeFileSync(join(bench.dir, 'allow-smtp-auth.txt'), lines.join('\n') + '\n');
    writeFileSync(join(bench.dir, 'main.tf'), ALLOW_LIST_TF);
    await terraform(bench.dir, ['init', '-input=false', '-no-color'], bench.env);
    // Adopt the 60,000 existing settings (no writes); the configuration matches, so the plans below are no-ops.
    await terraform(
      bench.dir,
      ['import', '-input=false', '-no-color', 'exchangeonline_mailbox_smtp_auth_list.allowed', 'enabled'],
      bench.env,
    );

    setLatency(bench, 250);
    const { times, calls, rss } = await plans(bench, runs, 'rss');
    // The documented form: Terraform starts a further provider process in each walk to run the function.
    writeFileSync(join(bench.dir, 'main.tf'), ALLOW_LIST_FUNCTION_TF);
    const { times: functionTimes, rss: functionRss } = await plans(bench, runs, 'rss-function');
    setLatency(bench, 0);
    const trimmed = await pageBytes(bench, CAS_MAILBOX_PROPERTIES);
    const whole = await pageBytes(bench);
    return [
      {
        id: 'P1',
        label: `plan, 60,000 mailboxes in one list resource, 250 ms/call, median of ${runs}`,
        value: median(times) / 1000,
        unit: 's',
        target: 20,
      },
      {
        id: 'P1-calls',
        label: 'bridge calls during that plan (emulator call log)',
        value: median(calls),
        unit: 'count',
        target: 1 + Math.ceil(count / 1000) + 2,
      },
      {
        id: 'P1-rss',
        label: 'peak RSS of the provider process during that plan',
        value: median(rss),
        unit: 'MiB',
        target: 150,
      },
      {
        id: 'P1-function',
        label: 'the same plan with identities = provider::exchangeonline::mailbox_list(file(...))',
        value: median(functionTimes) / 1000,
        unit: 's',
        target: null,
      },
      {
        id: 'P1-function-rss',
        label: 'peak RSS of any provider process during that plan',
        value: median(functionRss),
        unit: 'MiB',
        target: null,
      },
      {
        id: 'P1-page-bytes',
        label: 'bytes of one 1,000-row Get-CASMailbox page as the provider reads it ($select)',
        value: trimmed,
        unit: 'bytes',
        target: null,
        note: `the same page untrimmed: ${whole} bytes`,
      },
    ];
  } finally {
    await bench.close();
  }
}

/** `runs` no-op plans: each one's wall time (ms), round trips to the emulator, and peak RSS of any provider process (MiB). */
async function plans(
  bench: Bench,
  runs: number,
  rssName: string,
): Promise<{ times: number[]; calls: number[]; rss: number[] }> {
  const result = { times: [] as number[], calls: [] as number[], rss: [] as number[] };
  for (let run = 0; run < runs; run++) {
    resetStats(bench);
    const rssFile = join(bench.dir, `${rssName}-${run}.jsonl`);
    const measured = { ...bench.env, EXOFORM_PEAK_RSS_FILE: rssFile, NODE_OPTIONS: `--require ${PEAK_RSS_PRELOAD}` };
    result.times.push(
      await terraform(bench.dir, ['plan', '-input=false', '-no-color', '-detailed-exitcode'], measured),
    );
    result.calls.push(bench.emulator.control.stats.snapshot().totalRequests); // round trips: each page and each $batch is one
    result.rss.push(peakRss(rssFile));
  }
  return result;
}

/** The body size of the first 1,000-row page of `Get-CASMailbox -ResultSize Unlimited`, trimmed to `select` if given. */
async function pageBytes(bench: Bench, select?: readonly string[]): Promise<number> {
  const query = select ? `?$select=${select.join(',')}` : '';
  const response = await fetch(`${bench.emulator.url}/adminapi/beta/${TENANT}/InvokeCommand${query}`, {
    method: 'POST',
    headers: {
      authorization: `Bearer ${bench.env.EXO_ACCESS_TOKEN}`,
      'content-type': 'application/json',
      prefer: 'odata.maxpagesize=1000',
    },
    body: JSON.stringify({ CmdletInput: { CmdletName: 'Get-CASMailbox', Parameters: { ResultSize: 'Unlimited' } } }),
  });
  const body = Buffer.from(await response.arrayBuffer());
  if (response.status !== 200) throw new Error(`Get-CASMailbox page answered HTTP ${response.status}`);
  return body.length;
}

/** P2: 1,000 single-mailbox resources vs 1,000 terraform_data. */
export async function benchP2(runs = 5): Promise<Figure[]> {
  const count = 1000;
  const bench = await setUp(count, null);
  const builtinDir = mkdtempSync(join(tmpdir(), 'exoform-bench-data-'));
  try {
    const names = Array.from({ length: count }, (_, i) => upn(i + 1));
    const set = `[\n${names.map((n) => `    "${n}",`).join('\n')}\n  ]`;
    writeFileSync(
      join(bench.dir, 'main.tf'),
      `${PROVIDER}
resource "exchangeonline_mailbox_smtp_auth" "each" {
  for_each                            = toset(${set})
  identity                            = each.key
  smtp_client_authentication_disabled = false
}
`,
    );
    writeFileSync(
      join(builtinDir, 'main.tf'),
      `resource "terraform_data" "each" {\n  for_each = toset(${set})\n  input    = each.key\n}\n`,
    );
    for (const [dir, env] of [
      [bench.dir, bench.env],
      [builtinDir, {}],
    ] as const) {
      await terraform(dir, ['init', '-input=false', '-no-color'], env);
      await terraform(dir, ['apply', '-auto-approve', '-input=false', '-no-color'], env);
    }
    const provider: number[] = [];
    const builtin: number[] = [];
    for (let run = 0; run < runs; run++) {
      provider.push(await terraform(bench.dir, ['plan', '-input=false', '-no-color', '-detailed-exitcode'], bench.env));
      builtin.push(await terraform(builtinDir, ['plan', '-input=false', '-no-color', '-detailed-exitcode'], {}));
    }
    const ratio = median(provider) / median(builtin);
    return [
      {
        id: 'P2',
        label: `plan of 1,000 mailbox_smtp_auth ÷ 1,000 terraform_data (with state), median of ${runs}`,
        value: ratio,
        unit: 'ratio',
        target: 1.5,
        note: `${(median(provider) / 1000).toFixed(2)} s vs ${(median(builtin) / 1000).toFixed(2)} s`,
      },
    ];
  } finally {
    await bench.close();
    rmSync(builtinDir, { recursive: true, force: true });
  }
}

/** P4: 5,000 changes through the list resource, in a 60,000-mailbox tenant. */
export async function benchP4(runs = 1): Promise<Figure[]> {
  const tenantSize = 60_000;
  const changes = 5000;
  const times: number[] = [];
  const concurrency: number[] = [];
  let confirmation = '';
  for (let run = 0; run < runs; run++) {
    const bench = await setUp(tenantSize, null);
    try {
      const lines = Array.from({ length: changes }, (_, i) => upn(i + 1));
      writeFileSync(join(bench.dir, 'allow-smtp-auth.txt'), lines.join('\n') + '\n');
      writeFileSync(join(bench.dir, 'main.tf'), ALLOW_LIST_TF);
      await terraform(bench.dir, ['init', '-input=false', '-no-color'], bench.env);
      setLatency(bench, 250);
      resetStats(bench);
      times.push(await terraform(bench.dir, ['apply', '-auto-approve', '-input=false', '-no-color'], bench.env));
      concurrency.push(bench.emulator.control.stats.snapshot().maxInFlight);
      const reads = bench.emulator.control.calls.list({ cmdlet: 'Get-CASMailbox' }).calls;
      const filtered = reads.filter((c) => c.parameters?.Filter !== undefined).length;
      const whole = reads.filter(
        (c) => c.parameters?.Filter === undefined && c.parameters?.Identity === undefined && c.page === 0,
      ).length;
      confirmation =
        `write confirmation: ${filtered} filtered Get-CASMailbox reads, ${whole} reads of every mailbox; ` +
        `${bench.emulator.control.stats.snapshot().totalRequests} HTTP requests in all`;
      const applied = bench.emulator.control.store
        .findTenant(TENANT)!
        .recipients.filter((r) => r.SmtpClientAuthenticationDisabled === false).length;
      if (applied !== changes) throw new Error(`P4: expected ${changes} mailboxes enabled, found ${applied}`);
    } finally {
      await bench.close();
    }
  }
  return [
    {
      id: 'P4',
      label: `apply of ${changes} mailbox changes (tenant of ${tenantSize}), 250 ms/call`,
      value: median(times) / 1000,
      unit: 's',
      target: 35,
      note: confirmation,
    },
    {
      id: 'P4-max-concurrent',
      label: 'most requests in flight at once during that apply',
      value: median(concurrency),
      unit: 'count',
      target: DEFAULT_MAX_CONCURRENT_REQUESTS,
    },
  ];
}
