/**
 * `exoform emulator`: runs the Exchange Online emulator until SIGINT/SIGTERM.
 *
 * The first stdout line is exactly the endpoint URL, so a script can start it in the background and read one line:
 *   url=$(exoform emulator --data state.json | head -n1)   # or read the first line from a pipe
 */
import { parseArgs } from 'node:util';
import { isIP } from 'node:net';
import { EmulatorOptions, startEmulator } from '../emulator';
import { parseDialect } from '../emulator/answer-forms';
import { CliCommand, CliIo, EXIT_FAILURE, EXIT_OK, UsageError } from './io';

const HELP = `Usage: exoform emulator --data <file> [options]

Runs a local Exchange Online admin API (InvokeCommand + $batch) for tests and CI, with no tenant.

Options:
  --data <file>              State file (required). Created from the seed if missing or empty; an existing file
                             is resumed and the seed is ignored. Written atomically on every change.
  --seed <demo|fixture.json> Seed for a new state file (default: demo = contoso.onmicrosoft.com with sample
                             mailboxes). Fixture format: src/emulator/README.md.
  --port <n>                 TCP port (default 0: any free port; the URL is printed first).
  --host <address>           Interface to listen on (default 127.0.0.1). Anything but loopback exposes the
                             emulator to the network and prints a warning.
  --token <token>            Bearer token clients must send (default: a random token, printed at start-up).
  --latency-ms <n>           Time each InvokeCommand / $batch request takes (default 0); reads are computed within it.
  --connect-latency-ms <n>   Delay added to the first request of each new TCP connection (default 0).
  --page-size <n>            Largest page returned before @odata.nextLink (default 1000).
  --dialect <forms>          Answer forms of the real service to use, comma-separated: json-details,
                             page-warnings, strict-batch, redirect, port-446, rate-headers; or the mix
                             "strictest" (all of them). Default: pipe-form errors, no extras. See
                             src/emulator/FIDELITY.md ("Answer forms") for each form and its source.
  --replication-lag-ms <n>   Reads (Get-*) see the tenant as it was n ms ago; writes land at once (default 0).
  -h, --help                 Show this help.

Output: the first stdout line is the endpoint URL (e.g. http://127.0.0.1:43123); then the token and tenants.
Point the provider at it with endpoint = <url>, organization = <tenant domain>, access_token = <token>.
Inspection API (same token): GET <url>/_emulator/tenants, /_emulator/calls, /_emulator/stats, ... (see README).
Stops on Ctrl+C / SIGTERM after saving; exit status 0. Bad options: exit status 2.`;

function integerFlag(values: Record<string, unknown>, flag: string, min: number, max: number): number | undefined {
  const raw = values[flag];
  if (raw === undefined) return undefined;
  const text = String(raw);
  if (!/^\d+$/.test(text) || Number(text) < min || Number(text) > max) {
    throw new UsageError(`--${flag} must be a whole number from ${min} to ${max}, got "${text}".`, 'emulator');
  }
  return Number(text);
}

function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || (isIP(host) === 4 && host.startsWith('127.'));
}

export function parseEmulatorArgs(
  args: string[],
): { help: true } | { help: false; options: EmulatorOptions & { dataFile: string } } {
  let values: Record<string, string | boolean | undefined>;
  try {
    ({ values } = parseArgs({
      args,
      strict: true,
      allowPositionals: false,
      options: {
        data: { type: 'string' },
        seed: { type: 'string' },
        port: { type: 'string' },
        host: { type: 'string' },
        token: { type: 'string' },
        'latency-ms': { type: 'string' },
        'connect-latency-ms': { type: 'string' },
        'replication-lag-ms': { type: 'string' },
        'page-size': { type: 'string' },
        dialect: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    }));
  } catch (error) {
    throw new UsageError((error as Error).message, 'emulator');
  }
  if (values.help) return { help: true };
  const dataFile = values.data as string | undefined;
  if (!dataFile)
    throw new UsageError(
      '--data <file> is required: the emulator keeps its tenants in that file across restarts.',
      'emulator',
    );
  const token = values.token as string | undefined;
  if (token !== undefined && (token === '' || /\s/.test(token)))
    throw new UsageError('--token must be non-empty and contain no whitespace.', 'emulator');
  const host = values.host as string | undefined;
  if (host !== undefined && host.trim() === '') throw new UsageError('--host must not be empty.', 'emulator');
  const latency: { callMs?: number; connectMs?: number; pageSize?: number; replicationLagMs?: number } = {};
  const replicationLagMs = integerFlag(values, 'replication-lag-ms', 0, 600_000);
  if (replicationLagMs !== undefined) latency.replicationLagMs = replicationLagMs;
  const callMs = integerFlag(values, 'latency-ms', 0, 600_000);
  const connectMs = integerFlag(values, 'connect-latency-ms', 0, 600_000);
  const pageSize = integerFlag(values, 'page-size', 1, 600_000);
  if (callMs !== undefined) latency.callMs = callMs;
  if (connectMs !== undefined) latency.connectMs = connectMs;
  if (pageSize !== undefined) latency.pageSize = pageSize;
  const dialect = values.dialect as string | undefined;
  if (dialect !== undefined) {
    try {
      parseDialect(dialect);
    } catch (error) {
      throw new UsageError(`--dialect: ${(error as Error).message}`, 'emulator');
    }
  }
  return {
    help: false,
    options: {
      dataFile,
      seed: values.seed as string | undefined,
      port: integerFlag(values, 'port', 0, 65535) ?? 0,
      host: host ?? '127.0.0.1',
      token,
      latency,
      dialect,
    },
  };
}

async function runEmulator(args: string[], io: CliIo): Promise<number> {
  const parsed = parseEmulatorArgs(args);
  if (parsed.help) {
    io.stdout(`${HELP}\n`);
    return EXIT_OK;
  }
  const { options } = parsed;
  if (!isLoopback(options.host!)) {
    io.stderr(
      `exoform emulator: warning: listening on ${options.host}, not loopback. Anyone who can reach this machine and knows ` +
        'the token can read and change the emulated tenants. Use --host 127.0.0.1 unless you need remote access.\n',
    );
  }
  let emulator;
  try {
    emulator = await startEmulator({ ...options, log: (line) => io.stderr(`exoform emulator: ${line}\n`) });
  } catch (error) {
    io.stderr(`exoform emulator: ${(error as Error).message}\n`);
    return EXIT_FAILURE;
  }
  // Listen for the stop signals before announcing the URL: a script may signal as soon as it has read it.
  const stopSignal = new Promise<NodeJS.Signals>((resolve) => {
    const stop = (name: NodeJS.Signals): void => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      resolve(name);
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
  io.stdout(`${emulator.url}\n`);
  const lines = [`token: ${emulator.token}`, `data: ${emulator.dataFile}`];
  if (emulator.dialect.size > 0) lines.push(`dialect: ${[...emulator.dialect].join(',')}`);
  if (emulator.tenantHostUrl) lines.push(`tenant-specific host (redirect target): ${emulator.tenantHostUrl}`);
  lines.push('tenants:');
  for (const t of emulator.tenants()) {
    lines.push(
      `  ${t.initialDomain}  id ${t.tenantId}  domains ${t.domains.join(', ')}  ` +
        `(mailboxes: ${t.mailboxes}, users without mailbox: ${t.usersWithoutMailbox}, authentication policies: ${t.authenticationPolicies})`,
    );
  }
  lines.push(`inspection: ${emulator.url}/_emulator/tenants (same token)`, 'Press Ctrl+C to stop.');
  io.stdout(`${lines.join('\n')}\n`);

  const signal = await stopSignal;
  io.stderr(`exoform emulator: ${signal} received, saving state and stopping\n`);
  try {
    await emulator.close();
  } catch (error) {
    io.stderr(`exoform emulator: could not save the final state: ${(error as Error).message}\n`);
    return EXIT_FAILURE;
  }
  return EXIT_OK;
}

export const emulatorCommand: CliCommand = {
  summary: 'Run a local Exchange Online admin API emulator for tests and CI',
  help: HELP,
  run: runEmulator,
};
