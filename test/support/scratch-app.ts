/**
 * A fresh npm project in a temp directory, the way a user starts a CDKTF / CDK Terrain app: `npm install` of the
 * packed construct tarball plus registry packages (from npm's cache when it has them: --prefer-offline), then real
 * child processes (ts-node, tsx, tsc, node, the cdktf/cdktn CLIs).
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildConstructPackages, type ConstructsFlavour } from '../../scripts/build-constructs';
import type { TestEmulator } from './emulator';
import { sharedFixture } from './shared-fixture';
import { TerraformWorkspace } from './terraform';

/**
 * The construct packages (`npm run constructs` into a directory of the run), built once for every file that installs
 * them (test/constructs/package.test.ts, test/constructs/cdktn.test.ts): the tarball of each flavour. Read-only.
 */
export function sharedConstructPackages(): Promise<Record<ConstructsFlavour, string>> {
  return sharedFixture('constructs', (directory) => buildConstructPackages(directory));
}

export interface RunOptions {
  cwd: string;
  env?: NodeJS.ProcessEnv;
}

/** Runs a command; rejects with its output when it exits non-zero. Resolves stdout + stderr. */
export function run(command: string, args: string[], options: RunOptions): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(
      command,
      args,
      { cwd: options.cwd, env: options.env ?? process.env, maxBuffer: 64 * 1024 * 1024 },
      (error, stdout, stderr) => {
        const output = `${stdout}${stderr}`;
        if (error)
          reject(
            new Error(`${command} ${args.join(' ')} failed (${error.code ?? error.message}):\n${output.slice(-6000)}`),
          );
        else resolve(output);
      },
    );
  });
}

/** `npm install` into `directory`: from the cache where possible, no audit, no lifecycle scripts. */
export function npmInstall(directory: string, packages: string[]): Promise<string> {
  return run(
    'npm',
    ['install', '--prefer-offline', '--no-audit', '--no-fund', '--ignore-scripts', '--loglevel=error', ...packages],
    { cwd: directory },
  );
}

export class ScratchApp {
  readonly dir: string;

  constructor(prefix: string, files: Record<string, string> = {}) {
    this.dir = mkdtempSync(join(tmpdir(), prefix));
    this.write({
      'package.json': JSON.stringify({ name: 'scratch-app', version: '1.0.0', private: true }, null, 2),
      ...files,
    });
  }

  write(files: Record<string, string>): void {
    for (const [name, content] of Object.entries(files)) writeFileSync(join(this.dir, name), content);
  }

  install(packages: string[]): Promise<string> {
    return npmInstall(this.dir, packages);
  }

  cleanup(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** The environment the cdktf/cdktn CLIs run with here: no prompts, no telemetry, no checkpoint calls. */
export function cdkCliEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  return {
    ...process.env,
    CI: '1',
    CHECKPOINT_DISABLE: '1',
    FORCE_COLOR: '0',
    CDKTF_DISABLE_PLUGIN_CACHE_ENV: 'true',
    TF_PLUGIN_CACHE_DIR: '',
    ...extra,
  };
}

/** The app every construct-package test synthesizes: the quickstart posture for the demo tenant. */
export function quickstartApp(frontEnd: 'cdktf' | 'cdktn', packageName: string): string {
  return [
    `import { App, TerraformStack } from '${frontEnd}';`,
    `import { SmtpAuthBaseline, provider } from '${packageName}';`,
    '',
    'const app = new App();',
    "const stack = new TerraformStack(app, 'contoso');",
    "new provider.ExchangeonlineProvider(stack, 'exchangeonline');",
    "new SmtpAuthBaseline(stack, 'baseline', { allowedMailboxes: ['scanner@contoso.com'] });",
    'app.synth();',
    '',
  ].join('\n');
}

/** A consumer's tsconfig: strict, and skipLibCheck off so the packages' .d.ts files are type-checked too. */
export function consumerTsconfig(types: string[]): string {
  return JSON.stringify(
    {
      compilerOptions: {
        target: 'ES2022',
        module: 'commonjs',
        strict: true,
        outDir: 'build',
        types,
        skipLibCheck: false,
      },
      files: ['main.ts'],
    },
    null,
    2,
  );
}

/** terraform init + plan of a synthesized quickstart stack: both resources are created, against the emulator. */
export async function expectQuickstartPlan(stackJson: string, emulator: TestEmulator): Promise<void> {
  const stack = JSON.parse(stackJson);
  delete stack.terraform.backend; // the workspace keeps its state to itself
  const tf = new TerraformWorkspace({ 'cdk.tf.json': JSON.stringify(stack) }, emulator.providerEnv);
  try {
    await tf.init();
    const { plan } = await tf.plan(2);
    expect(plan.resource_changes?.map((change) => [change.address, change.change.actions]).sort()).toEqual([
      ['exchangeonline_mailbox_smtp_auth_list.baseline_allow-list_38F71A6A', ['create']],
      ['exchangeonline_transport_config.baseline_transport-config_77C14760', ['create']],
    ]);
  } finally {
    tf.cleanup();
  }
}
