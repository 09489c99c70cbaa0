/**
 * P5: an MSP fleet of 100 tenants × 1,000 mailboxes, planned on this machine, with the emulator answering every call
 * after 250 ms — what a pipeline's "plan the whole fleet" job costs. P5-1000: the same for 1,000 tenants (a million
 * mailboxes in the emulator), with the synth's time and peak memory as figures of their own.
 *
 * The fleet is the msp-fleet example app (examples/cdktf/msp-fleet/main.ts) fed a generated fleet file: one stack per
 * tenant, each with its own provider block and state, and an SmtpAuthBaseline whose allow list names all 1,000 of
 * the tenant's mailboxes (so every plan resolves 1,000 identities and checks the rest of the tenant for strays).
 *
 * Set-up, not timed: synthesize, init + apply the first stack at zero latency, and give every other stack that state
 * with the tenant's name put in (what its own apply writes: the tenants are alike but for their names). The timed
 * plans then refresh every tenant from the emulator and must find nothing to change, which also checks that state.
 * Timed, as a pipeline run does it from a fresh checkout (state kept in the backend):
 *   1. synth   — `tsx main.ts` (what `cdktf synth` runs), all 100 stacks;
 *   2. init    — `terraform init` in every stack directory, offline from the mirror;
 *   3. plan    — `terraform plan -detailed-exitcode` in every stack directory, expecting no changes.
 * Steps 2 and 3 run `concurrency` stacks at once (EXOFORM_BENCH_FLEET_CONCURRENCY, default 8), as a pipeline
 * runs stack jobs in parallel.
 */
import { randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { startEmulator } from '../../src/emulator';
import type { FixtureDocument } from '../../src/emulator/fixture';
import { ROOT, terraformEnv } from '../package';
import { run, type Timed } from './plan';
import { median, type Figure } from './report';
import { startupEnvironment } from './startup';

const TOKEN = 'bench-fleet-token';

interface Options {
  tenants: number;
  mailboxes: number;
  callMs: number;
  concurrency: number;
  /** The figures' id (P5, P5-1000) and the wall-time target in s. */
  id: string;
  target: number;
}

/** Runs `work` over `items`, at most `concurrency` at a time; returns the results in order. */
async function pool<T, R>(items: T[], concurrency: number, work: (item: T) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const index = next++;
      results[index] = await work(items[index]);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, worker));
  return results;
}

/** CPU seconds used by this process's finished children (terraform, and the providers it started), from /proc. */
function childrenCpuSeconds(): number {
  try {
    const fields = readFileSync('/proc/self/stat', 'utf8').split(') ')[1].split(' ');
    return (Number(fields[13]) + Number(fields[14])) / 100; // cutime + cstime, in clock ticks (USER_HZ = 100)
  } catch {
    return NaN;
  }
}

/**
 * Runs `command` under GNU time for the peak resident set of it and the children it waited for (tsx runs the app in
 * a child node); NaN for the memory where /usr/bin/time is missing.
 */
async function runMeasured(
  command: string,
  args: string[],
  cwd: string,
  env: NodeJS.ProcessEnv,
): Promise<Timed & { peakMiB: number }> {
  const time = '/usr/bin/time';
  if (!existsSync(time)) return { ...(await run(command, args, cwd, env)), peakMiB: NaN };
  const report = join(cwd, `.peak-rss-${process.pid}`);
  const timed = await run(time, ['-f', '%M', '-o', report, command, ...args], cwd, env);
  const kib = Number(readFileSync(report, 'utf8').trim().split('\n').pop());
  rmSync(report, { force: true });
  return { ...timed, peakMiB: kib / 1024 };
}

/**
 * Gives every stack but the first the first one's applied state, its tenant name replaced and a lineage of its own:
 * deploying 1,000 alike stacks one by one would take longer than the measurement. Local state files only.
 */
function replicateState(stateDirectory: string, names: string[]): void {
  const [first, ...rest] = names;
  const file = (name: string): string => join(stateDirectory, `${name}.tfstate`);
  const source = readFileSync(file(first!), 'utf8');
  const lineage = (JSON.parse(source) as { lineage: string }).lineage;
  for (const name of rest) writeFileSync(file(name), source.split(first!).join(name).split(lineage).join(randomUUID()));
}

export async function benchP5(overrides: Partial<Options> = {}): Promise<Figure[]> {
  const options: Options = {
    tenants: 100,
    mailboxes: 1000,
    callMs: 250,
    concurrency: Number(process.env.EXOFORM_BENCH_FLEET_CONCURRENCY ?? 8),
    id: 'P5',
    target: 300,
    ...overrides,
  };
  const digits = Math.max(3, String(options.tenants).length);
  const tenantDomain = (i: number): string => `tenant${String(i).padStart(digits, '0')}.onmicrosoft.com`;
  const dir = mkdtempSync(join(tmpdir(), 'exoform-bench-fleet-'));
  const fixture: FixtureDocument = {
    tenants: Array.from({ length: options.tenants }, (_, i) => ({
      domain: tenantDomain(i + 1),
      generatedMailboxes: options.mailboxes,
      // The allow list is every mailbox, already allowed: the plans below must find nothing to change.
      generatedMailboxSmtpClientAuthenticationDisabled: false,
    })),
  };
  process.stderr.write(
    `${options.id} set-up: seeding the emulator with ${options.tenants} tenants × ${options.mailboxes} mailboxes ...\n`,
  );
  const emulator = await startEmulator({ seed: fixture, token: TOKEN });
  const emulatorHeapMiB = process.memoryUsage().heapUsed / 2 ** 20;
  try {
    mkdirSync(join(dir, 'allow'));
    const tenants = fixture.tenants.map((tenant, i) => {
      const name = tenant.domain.replace('.onmicrosoft.com', '');
      const lines = Array.from(
        { length: options.mailboxes },
        (_, m) => `user${String(m + 1).padStart(5, '0')}@${tenant.domain}`,
      );
      writeFileSync(join(dir, 'allow', `${name}.txt`), `# ${tenant.domain}\n${lines.join('\n')}\n`);
      // Five canaries in wave 0, the rest in wave 1.
      return `  - tenant: ${tenant.domain}\n    wave: ${i < 5 ? 0 : 1}\n    allowList: allow/${name}.txt\n`;
    });
    writeFileSync(
      join(dir, 'fleet.yaml'),
      `version: 1\nstateDirectory: state\ndefaults:\n  endpoint: ${emulator.url}\n  credentials:\n    accessToken: { env: TF_VAR_exo_token }\ntenants:\n${tenants.join('')}`,
    );

    // Without this sandbox's NODE_EXTRA_CA_CERTS (a pipeline runner has none): Node parses that bundle at every
    // start, about 40 ms of CPU in each of the three provider processes a plan starts (startupEnvironment).
    const env = startupEnvironment(
      terraformEnv({ EXOFORM_FLEET_FILE: join(dir, 'fleet.yaml'), TF_VAR_exo_token: TOKEN }),
    );
    const app = join(ROOT, 'examples', 'cdktf', 'msp-fleet', 'main.ts');
    const tsx = join(ROOT, 'node_modules', '.bin', 'tsx');
    const synth = (outdir: string): Promise<Timed> => run(tsx, [app], dir, { ...env, CDKTF_OUTDIR: outdir });
    const stacksOf = (outdir: string): string[] =>
      Object.keys(
        (JSON.parse(readFileSync(join(outdir, 'manifest.json'), 'utf8')) as { stacks: object }).stacks,
      ).sort();
    const terraform = (outdir: string, stack: string, args: string[], okCodes?: number[]): Promise<Timed> =>
      run('terraform', args, join(outdir, 'stacks', stack), env, okCodes);

    // Set-up: deploy the first stack at zero latency; the others get its state under their own names.
    process.stderr.write(
      `${options.id} set-up: deploying one stack, its state copied to the other ${options.tenants - 1} ...\n`,
    );
    const setupOut = join(dir, 'setup.out');
    await synth(setupOut);
    const [firstStack] = stacksOf(setupOut);
    await terraform(setupOut, firstStack!, ['init', '-input=false', '-no-color']);
    await terraform(setupOut, firstStack!, ['apply', '-auto-approve', '-input=false', '-no-color']);
    const names = fixture.tenants.map((tenant) => tenant.domain.replace('.onmicrosoft.com', ''));
    if (!existsSync(join(dir, 'state', `${names[0]}.tfstate`)))
      throw new Error(`${options.id}: no state at state/${names[0]}.tfstate (${readdirSync(dir).join(', ')})`);
    replicateState(join(dir, 'state'), names);

    // Timed: a pipeline run from a fresh checkout, every Exchange call answered after callMs.
    emulator.control.updateLatency({ callMs: options.callMs, connectMs: 0 });
    emulator.control.calls.clear();
    emulator.control.stats.clear();
    process.stderr.write(
      `${options.id} timed: synth, init and plan of every stack, ${options.concurrency} at a time, ${options.callMs} ms per call ...\n`,
    );
    const cpuBefore = childrenCpuSeconds();
    const ownCpuBefore = process.cpuUsage();
    const outdir = join(dir, 'cdktf.out');
    const started = process.hrtime.bigint();
    const synthTime = await runMeasured(tsx, [app], dir, { ...env, CDKTF_OUTDIR: outdir });
    const cpuAfterSynth = childrenCpuSeconds();
    const stacks = stacksOf(outdir);
    if (stacks.length !== options.tenants)
      throw new Error(`${options.id}: expected ${options.tenants} stacks, synthesized ${stacks.length}`);
    const initStarted = process.hrtime.bigint();
    await pool(stacks, options.concurrency, (stack) => terraform(outdir, stack, ['init', '-input=false', '-no-color']));
    const planStarted = process.hrtime.bigint();
    const cpuAfterInit = childrenCpuSeconds();
    const plans = await pool(stacks, options.concurrency, (stack) =>
      terraform(outdir, stack, ['plan', '-input=false', '-no-color', '-detailed-exitcode', '-lock=false']),
    );
    const finished = process.hrtime.bigint();
    const childCpu = childrenCpuSeconds() - cpuBefore;
    const ownCpu = process.cpuUsage(ownCpuBefore);
    const emulatorCpu = (ownCpu.user + ownCpu.system) / 1e6;
    const synthCpu = cpuAfterSynth - cpuBefore;
    const initCpu = cpuAfterInit - cpuAfterSynth;
    const planCpu = childCpu - (cpuAfterInit - cpuBefore);
    const stats = emulator.control.stats.snapshot();
    const seconds = (from: bigint, to: bigint): number => Number(to - from) / 1e9;
    const total = seconds(started, finished);
    const requests: number = stats.totalRequests ?? NaN;
    const perPlan = plans.map((p) => p.ms / 1000);
    const id = options.id;
    return [
      {
        id,
        label: `plan a fleet of ${options.tenants} tenants × ${options.mailboxes} mailboxes (synth + init + plan), ${options.callMs} ms/call`,
        value: total,
        unit: 's',
        target: options.target,
        note:
          `${options.concurrency} stacks at a time on ${cpus().length} CPUs; CPU used: ${childCpu.toFixed(0)} s in child processes ` +
          `(synth ${synthCpu.toFixed(1)} s, init ${initCpu.toFixed(0)} s, plan ${planCpu.toFixed(0)} s: ` +
          `${((initCpu + planCpu) / options.tenants).toFixed(2)} s a stack, of which init ${(initCpu / options.tenants).toFixed(2)} s ` +
          `and plan ${(planCpu / options.tenants).toFixed(2)} s), ${emulatorCpu.toFixed(1)} s in this process ` +
          `(emulator: ${((emulatorCpu / options.tenants) * 1000).toFixed(1)} ms a stack); load average ${readFileSync('/proc/loadavg', 'utf8').split(' ')[0]}`,
      },
      {
        id: `${id}-synth`,
        label: `synth of the ${options.tenants} stacks (the fleet app, as cdktf synth runs it)`,
        value: synthTime.ms / 1000,
        unit: 's',
        target: null,
      },
      {
        id: `${id}-synth-rss`,
        label: `peak memory of that synth (the app's node processes)`,
        value: synthTime.peakMiB,
        unit: 'MiB',
        target: null,
      },
      {
        id: `${id}-init`,
        label: `terraform init of every stack, ${options.concurrency} at a time`,
        value: seconds(initStarted, planStarted),
        unit: 's',
        target: null,
      },
      {
        id: `${id}-plan`,
        label: `terraform plan of every stack, ${options.concurrency} at a time`,
        value: seconds(planStarted, finished),
        unit: 's',
        target: null,
        note: `per stack: median ${median(perPlan).toFixed(2)} s, slowest ${Math.max(...perPlan).toFixed(2)} s`,
      },
      {
        id: `${id}-calls`,
        label: `Exchange round trips during the plans (all tenants; ${options.callMs} ms each)`,
        value: requests,
        unit: 'count',
        target: null,
        note: `${(requests / options.tenants).toFixed(1)} per tenant = ${(((requests / options.tenants) * options.callMs) / 1000).toFixed(2)} s of latency per tenant plan`,
      },
      {
        id: `${id}-emulator-heap`,
        label: `the emulator's heap holding ${(options.tenants * options.mailboxes).toLocaleString('en-US')} mailboxes, one process`,
        value: emulatorHeapMiB,
        unit: 'MiB',
        target: null,
      },
    ];
  } finally {
    await emulator.close();
    if (process.env.EXOFORM_BENCH_KEEP) process.stderr.write(`kept ${dir}\n`);
    else rmSync(dir, { recursive: true, force: true });
  }
}

if (require.main === module) {
  // Quick runs: npx tsx scripts/bench/fleet.ts [tenants] [mailboxes]
  const [tenants, mailboxes] = process.argv.slice(2).map(Number);
  benchP5({
    ...(tenants ? { tenants, id: tenants === 100 ? 'P5' : `P5-${tenants}` } : {}),
    ...(mailboxes ? { mailboxes } : {}),
  }).then(
    (figures) => {
      for (const figure of figures)
        process.stdout.write(
          `${figure.id}\t${figure.value.toFixed(2)} ${figure.unit}${figure.note ? `\t${figure.note}` : ''}\n`,
        );
    },
    (error: unknown) => {
      process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
      process.exit(1);
    },
  );
}
