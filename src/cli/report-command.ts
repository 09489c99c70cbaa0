/**
 * `exoform report`: who breaks when Basic SMTP AUTH is disabled by default at the end of December 2026.
 * Everything heavy (bridges, Graph, emulator, renderers) is imported when the command runs, not when the CLI starts.
 */
import { closeSync, mkdirSync, openSync, readFileSync, writeFileSync, writeSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { parseArgs } from 'node:util';
import type { Verdict } from '../exchange/readiness';
import { CliCommand, CliIo, EXIT_FAILURE, EXIT_OK, EXIT_USAGE, UsageError } from './io';

/** Exit status when one or more tenants could not be read (and --fail-on was not met). */
export const EXIT_NOT_READ = 3;

const HELP = `Usage: exoform report [--tenant <domain> | --fleet <file> | --demo] [options]

Reads each tenant's SMTP AUTH settings (org switch, legacy TLS, each mailbox's own setting, authentication
policies) and, through Microsoft Graph where the app may, Entra security defaults and Basic SMTP sign-ins of the
last 30 days; then says per mailbox and per tenant what happens when Basic SMTP AUTH is disabled by default at the
end of December 2026: breaks, at-risk or ready. Rules and JSON schema: docs/report.md.

Tenants:
  --tenant <domain|id>       One tenant, with the provider's credentials from EXO_ACCESS_TOKEN, or EXO_CLIENT_ID
                             with EXO_CLIENT_SECRET or EXO_CERTIFICATE_PATH [+ EXO_CERTIFICATE_PASSWORD]
                             (default tenant: EXO_ORGANIZATION).
  --fleet <file>             Every tenant of a fleet file (the YAML/JSON file TenantFleet reads).
  --demo                     The built-in demo fleet on an in-process emulator (no tenant, no credentials).
  --endpoint <url>           Exchange admin API origin (default EXO_ENDPOINT, else Exchange Online).
  --graph-endpoint <url>     Microsoft Graph (default EXO_GRAPH_ENDPOINT; derived from a loopback --endpoint,
                             i.e. the emulator; else https://graph.microsoft.com). EXO_GRAPH_ACCESS_TOKEN gives
                             a Graph token when EXO_ACCESS_TOKEN (an Exchange token) is all you have.
  --parallel <n>             Tenants read at once (default 8).

Output:
  --format <table|json|csv|html>  What stdout gets (default table).
  --json <file> --csv <file> --html <file>   Also write these files.
  --allow-list <path>        Suggested allow list(s) in the seeds' format: a file for one tenant, a directory
                             of <name>.txt for a fleet.
  --compare <earlier.json>   Also show what changed since an earlier --json report, per tenant and mailbox:
                             fixed, newly breaking, verdict moves, Basic SMTP sign-ins before → after
                             (in the table, the JSON's "comparison" and the HTML's trend).
  --fail-on <breaks|at-risk> Exit 1 when any tenant's verdict is that bad or worse.
  --quiet                    No progress lines on stderr.
  -h, --help                 Show this help.

Exit status: 0 done; 1 --fail-on met; 2 bad options; 3 a tenant could not be read (it is in the report as
unreachable or failed, never left out).`;

interface ReportArgs {
  tenant?: string;
  fleet?: string;
  demo: boolean;
  endpoint?: string;
  graphEndpoint?: string;
  parallel: number;
  format: 'table' | 'json' | 'csv' | 'html';
  json?: string;
  csv?: string;
  html?: string;
  allowList?: string;
  compare?: string;
  failOn?: Verdict;
  quiet: boolean;
}

export function parseReportArgs(args: string[]): { help: true } | { help: false; options: ReportArgs } {
  let values: Record<string, string | boolean | undefined>;
  try {
    ({ values } = parseArgs({
      args,
      strict: true,
      allowPositionals: false,
      options: {
        tenant: { type: 'string' },
        fleet: { type: 'string' },
        demo: { type: 'boolean' },
        endpoint: { type: 'string' },
        'graph-endpoint': { type: 'string' },
        parallel: { type: 'string' },
        format: { type: 'string' },
        json: { type: 'string' },
        csv: { type: 'string' },
        html: { type: 'string' },
        'allow-list': { type: 'string' },
        'fail-on': { type: 'string' },
        compare: { type: 'string' },
        quiet: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
    }));
  } catch (error) {
    throw new UsageError((error as Error).message, 'report');
  }
  if (values.help) return { help: true };
  const sources = [values.tenant !== undefined, values.fleet !== undefined, values.demo === true].filter(
    Boolean,
  ).length;
  if (sources > 1) throw new UsageError('Give only one of --tenant, --fleet and --demo.', 'report');
  const format = (values.format as string | undefined) ?? 'table';
  if (!['table', 'json', 'csv', 'html'].includes(format))
    throw new UsageError(`--format must be table, json, csv or html, got "${format}".`, 'report');
  const failOn = values['fail-on'] as string | undefined;
  if (failOn !== undefined && failOn !== 'breaks' && failOn !== 'at-risk')
    throw new UsageError(`--fail-on must be breaks or at-risk, got "${failOn}".`, 'report');
  const parallelText = (values.parallel as string | undefined) ?? '8';
  if (!/^\d+$/.test(parallelText) || Number(parallelText) < 1 || Number(parallelText) > 64)
    throw new UsageError(`--parallel must be a whole number from 1 to 64, got "${parallelText}".`, 'report');
  const paths = ['tenant', 'fleet', 'endpoint', 'graph-endpoint', 'json', 'csv', 'html', 'allow-list', 'compare'];
  for (const flag of paths) {
    if (values[flag] !== undefined && String(values[flag]).trim() === '')
      throw new UsageError(`--${flag} must not be empty.`, 'report');
  }
  return {
    help: false,
    options: {
      tenant: values.tenant as string | undefined,
      fleet: values.fleet as string | undefined,
      demo: values.demo === true,
      endpoint: values.endpoint as string | undefined,
      graphEndpoint: values['graph-endpoint'] as string | undefined,
      parallel: Number(parallelText),
      format: format as ReportArgs['format'],
      json: values.json as string | undefined,
      csv: values.csv as string | undefined,
      html: values.html as string | undefined,
      allowList: values['allow-list'] as string | undefined,
      compare: values.compare as string | undefined,
      failOn: failOn as Verdict | undefined,
      quiet: values.quiet === true,
    },
  };
}

function write(path: string, text: string | Iterable<string>): void {
  mkdirSync(dirname(path), { recursive: true });
  if (typeof text === 'string') {
    writeFileSync(path, text);
    return;
  }
  const fd = openSync(path, 'w');
  try {
    for (const chunk of text) writeSync(fd, chunk);
  } finally {
    closeSync(fd);
  }
}

export const reportCommand: CliCommand = {
  summary: 'Readiness for the December 2026 Basic SMTP AUTH change, per mailbox and tenant (table, JSON, CSV, HTML)',
  help: HELP,
  async run(args: string[], io: CliIo): Promise<number> {
    // Modules are required here, on first use, with literal paths (the dist/cli.js bundle resolves them at build time).
    /* eslint-disable @typescript-eslint/no-require-imports */
    const parsed = parseReportArgs(args);
    if (parsed.help) {
      io.stdout(`${HELP}\n`);
      return EXIT_OK;
    }
    const options = parsed.options;
    const { targetFor, targetFromEnvironment, targetsFromFleetFile } =
      require('../report/targets') as typeof import('../report/targets');
    const { runReadinessReport, failOnMet } = require('../report/run') as typeof import('../report/run');
    const { renderTerminal, renderCsv, renderAllowList } =
      require('../report/render-text') as typeof import('../report/render-text');
    const { renderHtml } = require('../report/render-html') as typeof import('../report/render-html');
    const { renderJsonChunks } = require('../report/render-json') as typeof import('../report/render-json');

    let closeEmulator: (() => Promise<void>) | undefined;
    try {
      // The earlier report is read first: a wrong path fails before any tenant is read.
      let earlier: import('../report/report-model').ReadinessReport | undefined;
      if (options.compare) {
        const { parseEarlierReport } = require('../report/compare') as typeof import('../report/compare');
        const { ConfigurationError } = require('../bridge/errors') as typeof import('../bridge/errors');
        let text: string;
        try {
          text = readFileSync(options.compare, 'utf8');
        } catch (error) {
          const why = (error as NodeJS.ErrnoException).code ?? (error as Error).message;
          throw new ConfigurationError(
            `--compare: cannot read ${options.compare} (${why}).`,
            'Give the path of an earlier `exoform report --json <file>`.',
            ['compare'],
          );
        }
        earlier = parseEarlierReport(text, options.compare);
      }
      let targets;
      if (options.demo) {
        const { startEmulator } = require('../emulator') as typeof import('../emulator');
        const { DEMO_FLEET_FIXTURE } = require('../report/demo-fleet') as typeof import('../report/demo-fleet');
        const emulator = await startEmulator({ seed: DEMO_FLEET_FIXTURE });
        closeEmulator = () => emulator.close();
        targets = DEMO_FLEET_FIXTURE.tenants.map((t) =>
          targetFor({ organization: t.domain, accessToken: emulator.token, endpoint: emulator.url }),
        );
      } else if (options.fleet) {
        targets = targetsFromFleetFile(options.fleet, process.env, {
          endpoint: options.endpoint,
          graphEndpoint: options.graphEndpoint,
        });
      } else {
        targets = [
          targetFromEnvironment(process.env, {
            tenant: options.tenant,
            endpoint: options.endpoint,
            graphEndpoint: options.graphEndpoint,
          }),
        ];
      }
      const report = await runReadinessReport(targets, {
        parallel: options.parallel,
        progress: options.quiet ? undefined : (line) => io.stderr(`${line}\n`),
      });
      if (earlier) {
        const { compareReports } = require('../report/compare') as typeof import('../report/compare');
        report.comparison = compareReports(earlier, report);
      }

      // JSON goes out a tenant at a time: a large fleet's report is longer than one string may be.
      const renderers = {
        table: () => renderTerminal(report),
        csv: () => renderCsv(report),
        html: () => renderHtml(report),
      };
      if (options.format === 'json') for (const chunk of renderJsonChunks(report)) io.stdout(chunk);
      else io.stdout(renderers[options.format]());
      if (options.json) write(options.json, renderJsonChunks(report));
      if (options.csv) write(options.csv, renderers.csv());
      if (options.html) write(options.html, renderers.html());
      if (options.allowList) {
        if (report.tenants.length === 1 && !options.fleet && !options.demo)
          write(options.allowList, renderAllowList(report.tenants[0]!, report.generatedAt));
        else
          for (const tenant of report.tenants)
            write(join(options.allowList, `${tenant.name}.txt`), renderAllowList(tenant, report.generatedAt));
      }
      if (failOnMet(report, options.failOn)) {
        if (!options.quiet) io.stderr(`--fail-on ${options.failOn}: met.\n`);
        return EXIT_FAILURE;
      }
      return report.totals.notRead > 0 ? EXIT_NOT_READ : EXIT_OK;
    } catch (error) {
      const remedy = (error as { remedy?: unknown }).remedy;
      if ((error as { kind?: unknown }).kind === 'configuration' && typeof remedy === 'string') {
        io.stderr(`exoform report: ${(error as Error).message} ${remedy}\n`);
        return EXIT_USAGE;
      }
      throw error;
    } finally {
      await closeEmulator?.();
    }
  },
};
