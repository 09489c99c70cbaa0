/**
 * `exoform doctor`: one read-only check of a real tenant with the provider's own settings (the EXO_* variables),
 * that settles what no public source settles: the token's claims, a tenant-specific redirect, the host and port of
 * a real @odata.nextLink, the error form of a not-found, and the accepted `$batch` form. Exit status 0 only when
 * every check passes. `--record FILE` writes the redacted exchange for a bug report (no token, no secret, no
 * Authorization header; tenant names too with --redact-tenant).
 *
 * It never changes anything: it only sends Get-* cmdlets and the module-file probe.
 */
import { parseArgs } from 'node:util';
import type { CliCommand, CliIo } from './io';
import { EXIT_FAILURE, EXIT_OK, UsageError } from './io';
import { rawRequest } from './raw-http';

const HELP = `Usage: exoform doctor [--json] [--record FILE] [--redact-tenant] [--page-size N]

Checks, read-only, that exoform can manage your tenant with the provider's settings, taken from the same
environment variables the provider reads: EXO_ORGANIZATION, EXO_ACCESS_TOKEN or EXO_CLIENT_ID with
EXO_CLIENT_SECRET / EXO_CERTIFICATE_PATH [+ EXO_CERTIFICATE_PASSWORD], EXO_ENVIRONMENT, EXO_ENDPOINT, EXO_BRIDGE.

Checks: token and its claims (tenant, roles, audience, expiry); the module-file redirect probe; each read the
provider uses (Get-TransportConfig, Get-CASMailbox with a small page size to see a real nextLink, Get-User,
Get-AuthenticationPolicy, Get-OrganizationConfig); a deliberate not-found (its error form); a read-only $batch.
It prints a pass/fail table with a remedy for each failure. The token is never printed.

Options:
  --json            Print the result as JSON instead of a table.
  --record FILE     Write the redacted HTTP exchange to FILE (attach it to a bug report).
  --redact-tenant   Also replace the tenant's domain and id in the recording and the output.
  --page-size N     Page size asked for in the CASMailbox read (default 2), so a small tenant shows a nextLink.
  -h, --help        Show this help.

Exit status: 0 when every check passes, 1 when one fails, 2 for bad options.
In a checkout run it as: npm exec -- exoform doctor   (or: node bin/exoform.js doctor)`;

export const doctorCommand: CliCommand = {
  summary: 'Check, read-only, that exoform works against your tenant (token, reads, errors, $batch)',
  help: HELP,
  async run(args: string[], io: CliIo): Promise<number> {
    let values: Record<string, string | boolean | undefined>;
    try {
      ({ values } = parseArgs({
        args,
        strict: true,
        allowPositionals: false,
        options: {
          json: { type: 'boolean' },
          record: { type: 'string' },
          'redact-tenant': { type: 'boolean' },
          'page-size': { type: 'string' },
          help: { type: 'boolean', short: 'h' },
        },
      }));
    } catch (error) {
      throw new UsageError((error as Error).message, 'doctor');
    }
    if (values.help) {
      io.stdout(`${HELP}\n`);
      return EXIT_OK;
    }
    const pageSizeText = values['page-size'] === undefined ? '2' : String(values['page-size']);
    if (!/^\d+$/.test(pageSizeText) || Number(pageSizeText) < 1 || Number(pageSizeText) > 1000) {
      throw new UsageError(`--page-size must be a whole number from 1 to 1000, got "${pageSizeText}".`, 'doctor');
    }
    // The checks and their dependencies load only when the command runs.
    const { runDoctor, renderTable } = require('./doctor-checks') as typeof import('./doctor-checks');
    const report = await runDoctor(process.env, {
      pageSize: Number(pageSizeText),
      recordPath: typeof values.record === 'string' ? values.record : undefined,
      redactTenant: values['redact-tenant'] === true,
      http: { request: rawRequest },
    });
    io.stdout(values.json ? `${JSON.stringify(report, null, 2)}\n` : renderTable(report));
    return report.ok ? EXIT_OK : EXIT_FAILURE;
  },
};
