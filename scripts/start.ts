/**
 * `npm start` — the main job, with no tenant and no credentials:
 *   1. packages the provider into the local mirror (dist/),
 *   2. starts the embedded Exchange Online emulator with the demo tenant (contoso.onmicrosoft.com),
 *   3. runs `cdktf deploy` (non-interactive, offline) of the root app — the `app` in cdktf.json,
 *      examples/cdktf/quickstart — against it,
 *   4. prints the tenant's SMTP AUTH posture, read back through the provider's own code (src/exchange): the org-wide
 *      values before → after, and each mailbox's own setting and effective state.
 *
 * Each run starts from a fresh demo tenant in .exoform/quickstart/ (kept afterwards: cdktf.out/ and the state;
 * EXOFORM_START_DIRECTORY picks another directory).
 *
 * A real tenant, by configuration: `npm start -- --tenant contoso.onmicrosoft.com` with credentials in the EXO_*
 * variables (EXO_ACCESS_TOKEN, or EXO_CLIENT_ID with EXO_CERTIFICATE_PATH [+ EXO_CERTIFICATE_PASSWORD] or
 * EXO_CLIENT_SECRET; EXO_ENDPOINT optional) and the exceptions in EXOFORM_ALLOW_LIST (a file, one mailbox a line).
 * Its state is kept in .exoform/tenant-<domain>/ between runs, and cdktf asks before applying unless --auto-approve.
 */
import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { ExchangeBridge } from '../src/bridge/bridge';
import { createRestBridge, type RestBridgeSettings } from '../src/bridge/rest/create-rest-bridge';
import { startEmulator, type RunningEmulator } from '../src/emulator';
import {
  effectiveSmtpAuthEnabled,
  listCasMailboxes,
  type CasMailbox,
  type SmtpAuthOverride,
} from '../src/exchange/cas-mailbox-operations';
import { readTransportConfig, type TransportConfigSettings } from '../src/exchange/transport-config-operations';
import { ROOT, cliConfigPath, packageProvider, terraformSettings } from './package';

const DEMO_TENANT = 'contoso.onmicrosoft.com';
/** Beyond this many mailboxes, only those with their own setting or SMTP AUTH effectively on are listed one by one. */
const LIST_EVERY_MAILBOX_UP_TO = 40;

interface Options {
  tenant?: string;
  autoApprove: boolean;
}

function parseArguments(argv: string[]): Options {
  const options: Options = { autoApprove: false };
  for (let i = 0; i < argv.length; i++) {
    const argument = argv[i];
    if (argument === '--tenant') options.tenant = argv[++i];
    else if (argument.startsWith('--tenant=')) options.tenant = argument.slice('--tenant='.length);
    else if (argument === '--auto-approve') options.autoApprove = true;
    else throw new Error(`unknown argument ${argument}. Usage: npm start [-- --tenant <domain> [--auto-approve]]`);
  }
  if (options.tenant !== undefined && !/^[a-z0-9.-]+\.[a-z]{2,}$|^[0-9a-f-]{36}$/i.test(options.tenant)) {
    throw new Error(
      `--tenant needs the tenant's initial domain (contoso.onmicrosoft.com) or id, got ${JSON.stringify(options.tenant)}`,
    );
  }
  return options;
}

/** The root app's command from cdktf.json (`npx tsx <file>`), made independent of the working directory. */
export function rootAppCommand(): { command: string; entry: string } {
  const config = JSON.parse(readFileSync(join(ROOT, 'cdktf.json'), 'utf8')) as { app?: string };
  const match = /^npx tsx (\S+\.ts)$/.exec(config.app ?? '');
  if (!match) throw new Error(`cdktf.json's app must be "npx tsx <file>.ts", got ${JSON.stringify(config.app)}`);
  const entry = resolve(ROOT, match[1]);
  return { command: `${join(ROOT, 'node_modules', '.bin', 'tsx')} ${entry}`, entry };
}

function run(
  command: string,
  args: string[],
  cwd: string,
  env: NodeJS.ProcessEnv,
  interactive: boolean,
): Promise<void> {
  return new Promise((resolvePromise, reject) => {
    process.stdout.write(`\n$ ${[command.replace(`${ROOT}/node_modules/.bin/`, 'npx '), ...args].join(' ')}\n`);
    const child = spawn(command, args, { cwd, env, stdio: [interactive ? 'inherit' : 'ignore', 'inherit', 'inherit'] });
    child.on('error', (error) => reject(new Error(`could not run ${command}: ${error.message}`)));
    child.on('close', (code) =>
      code === 0 ? resolvePromise() : reject(new Error(`cdktf ${args[0]} exited with ${code}; its output is above.`)),
    );
  });
}

function requireTerraform(): void {
  const result = spawnSync('terraform', ['version'], {
    stdio: 'ignore',
    env: { ...process.env, TF_CLI_CONFIG_FILE: cliConfigPath() },
  });
  if (result.error || result.status !== 0)
    throw new Error(
      'terraform is not on PATH. Install Terraform 1.11 or later (cdktf drives it) and run npm start again.',
    );
}

interface Posture {
  transport: TransportConfigSettings;
  mailboxes: CasMailbox[];
}

async function readPosture(bridge: ExchangeBridge): Promise<Posture> {
  const session = { bridge };
  const [transport, mailboxes] = await Promise.all([readTransportConfig(session), listCasMailboxes(session)]);
  return { transport, mailboxes: mailboxes.sort((a, b) => a.primarySmtpAddress.localeCompare(b.primarySmtpAddress)) };
}

const word = (value: SmtpAuthOverride): string => (value === null ? 'inherit' : value ? 'disabled' : 'enabled');

export function formatPosture(tenant: string, before: Posture | undefined, after: Posture): string {
  const smtp = (s: TransportConfigSettings): string =>
    `${s.smtpClientAuthenticationDisabled ? 'disabled' : 'ENABLED'} (SmtpClientAuthenticationDisabled=${s.smtpClientAuthenticationDisabled})`;
  const legacy = (s: TransportConfigSettings): string =>
    `${s.allowLegacyTlsClients ? 'ALLOWED' : 'not allowed'} (AllowLegacyTLSClients=${s.allowLegacyTlsClients})`;
  const change = <T>(describe: (s: T) => string, was: T | undefined, now: T): string =>
    was === undefined || describe(was) === describe(now) ? describe(now) : `${describe(was)} → ${describe(now)}`;
  const orgDisabled = after.transport.smtpClientAuthenticationDisabled;
  const previous = new Map(before?.mailboxes.map((m) => [m.guid, m.smtpClientAuthenticationDisabled]) ?? []);
  const rows = after.mailboxes.map((mailbox) => {
    const own = mailbox.smtpClientAuthenticationDisabled;
    const was = previous.has(mailbox.guid) ? previous.get(mailbox.guid)! : own;
    return { address: mailbox.primarySmtpAddress, own, was, effective: effectiveSmtpAuthEnabled(own, orgDisabled) };
  });
  const listed =
    rows.length <= LIST_EVERY_MAILBOX_UP_TO
      ? rows
      : rows.filter((r) => r.own !== null || r.was !== null || r.effective);
  const width = Math.max(7, ...listed.map((r) => r.address.length)) + 2;
  const lines = [
    '',
    `SMTP AUTH posture of ${tenant}, read back through the provider's code (src/exchange)${before ? ' (before → after)' : ''}:`,
    `  Organization-wide SMTP AUTH : ${change(smtp, before?.transport, after.transport)}`,
    `  Legacy TLS clients          : ${change(legacy, before?.transport, after.transport)}`,
    '',
    `  ${'Mailbox'.padEnd(width)}${'Own setting'.padEnd(22)}Effective SMTP AUTH`,
    ...listed.map(
      (r) =>
        `  ${r.address.padEnd(width)}${(r.was === r.own ? word(r.own) : `${word(r.was)} → ${word(r.own)}`).padEnd(22)}${r.effective ? 'ENABLED' : 'disabled'}`,
    ),
  ];
  if (listed.length < rows.length)
    lines.push(
      `  ... and ${rows.length - listed.length} more mailboxes that follow the organization (SMTP AUTH disabled)`,
    );
  const count = (predicate: (r: (typeof rows)[number]) => boolean): number => rows.filter(predicate).length;
  lines.push(
    '',
    `  ${count((r) => r.effective)} of ${rows.length} mailboxes can use SMTP AUTH; ${count((r) => r.own === false)} enabled on their own, ` +
      `${count((r) => r.own === true)} disabled on their own, ${count((r) => r.own === null)} follow the organization.`,
  );
  return lines.join('\n') + '\n';
}

async function main(): Promise<void> {
  const options = parseArguments(process.argv.slice(2));
  const realTenant = options.tenant;
  const tenant = realTenant ?? DEMO_TENANT;
  const workDirectory = process.env.EXOFORM_START_DIRECTORY
    ? resolve(process.env.EXOFORM_START_DIRECTORY)
    : join(ROOT, '.exoform', realTenant ? `tenant-${realTenant.toLowerCase()}` : 'quickstart');
  if (!realTenant) rmSync(workDirectory, { recursive: true, force: true });
  mkdirSync(workDirectory, { recursive: true });
  requireTerraform();

  process.stdout.write('Packaging the exchangeonline provider into dist/mirror ...\n');
  await packageProvider();

  // Nothing from the caller's EXO_* variables leaks into the demo; a real tenant uses exactly them.
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const name of Object.keys(env))
    if (!realTenant && (name.startsWith('EXO_') || name === 'EXOFORM_ALLOW_LIST')) delete env[name];
  let emulator: RunningEmulator | undefined;
  let settings: RestBridgeSettings;
  if (realTenant) {
    settings = {
      organization: realTenant,
      endpoint: env.EXO_ENDPOINT || undefined,
      accessToken: env.EXO_ACCESS_TOKEN || undefined,
      clientId: env.EXO_CLIENT_ID || undefined,
      clientSecret: env.EXO_CLIENT_SECRET || undefined,
      certificatePath: env.EXO_CERTIFICATE_PATH || undefined,
      certificatePassword: env.EXO_CERTIFICATE_PASSWORD || undefined,
      environment: env.EXO_ENVIRONMENT || undefined,
    };
    env.EXO_ORGANIZATION = realTenant;
    process.stdout.write(`Target: the real tenant ${realTenant} (credentials from the EXO_* variables).\n`);
  } else {
    const token = randomBytes(18).toString('base64url');
    emulator = await startEmulator({ dataFile: join(workDirectory, 'emulator-state.json'), seed: 'demo', token });
    settings = { organization: DEMO_TENANT, endpoint: emulator.url, accessToken: token };
    Object.assign(env, { EXO_ORGANIZATION: DEMO_TENANT, EXO_ENDPOINT: emulator.url, EXO_ACCESS_TOKEN: token });
    process.stdout.write(`Exchange Online emulator with demo tenant ${DEMO_TENANT} at ${emulator.url}\n`);
  }
  const interactive = Boolean(realTenant) && !options.autoApprove;
  Object.assign(env, terraformSettings(), { CDKTF_DISABLE_PLUGIN_CACHE_ENV: 'true' });
  // CI=1 gives cdktf's plain, non-interactive output; a real tenant without --auto-approve keeps cdktf's approval prompt.
  if (!interactive) env.CI = '1';

  const bridge = createRestBridge(settings);
  try {
    const before = await readPosture(bridge);
    const app = rootAppCommand();
    writeFileSync(
      join(workDirectory, 'cdktf.json'),
      JSON.stringify(
        {
          language: 'typescript',
          app: app.command,
          sendCrashReports: 'false',
          '//': `the root app of ${join(ROOT, 'cdktf.json')}, run from here by npm start`,
        },
        null,
        2,
      ) + '\n',
    );
    await run(
      join(ROOT, 'node_modules', '.bin', 'cdktf'),
      ['deploy', ...(interactive ? [] : ['--auto-approve']), '--skip-provider-lock', '--outputs-file', 'outputs.json'],
      workDirectory,
      env,
      interactive,
    );
    const after = await readPosture(bridge);
    process.stdout.write(formatPosture(tenant, before, after));
    await printReadiness(realTenant ? { ...settings, graphAccessToken: env.EXO_GRAPH_ACCESS_TOKEN } : settings);
    process.stdout.write(`\ncdktf working directory (cdktf.out/, state, outputs.json): ${workDirectory}\n`);
    if (!existsSync(join(workDirectory, 'outputs.json'))) process.stdout.write('(cdktf wrote no outputs.json)\n');
  } finally {
    await bridge.close();
    await emulator?.close();
  }
}

/**
 * The quick start ends with the tenant's readiness for the December 2026 change (`exoform report`, the same code):
 * who still uses Basic SMTP AUTH and breaks, decided by which setting.
 */
async function printReadiness(settings: RestBridgeSettings & { graphAccessToken?: string }): Promise<void> {
  const { targetFor } = await import('../src/report/targets');
  const { runReadinessReport } = await import('../src/report/run');
  const { renderTerminal } = await import('../src/report/render-text');
  const report = await runReadinessReport([targetFor(settings)]);
  process.stdout.write(`\n${renderTerminal(report)}`);
  process.stdout.write(
    'Whole fleets, JSON/CSV/HTML and a suggested allow list: npm exec -- exoform report --help (docs/report.md).\n',
  );
}

if (require.main === module) {
  main().catch((error: unknown) => {
    process.stderr.write(`\nnpm start failed: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  });
}
