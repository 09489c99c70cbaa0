/**
 * The constructs as an npm package (scripts/build-constructs.ts): what the tarball holds, and a fresh CDKTF app that
 * installs it and loads it four ways — ts-node, tsx, tsc-compiled JavaScript, and an ES module — then `cdktf synth`
 * with the real CLI and `terraform plan` of the synthesized stack against the emulator.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { FLAVOURS } from '../../scripts/build-constructs';
import { cliConfigPath } from '../../scripts/package';
import { startTestEmulator, type TestEmulator } from '../support/emulator';
import {
  cdkCliEnv,
  consumerTsconfig,
  expectQuickstartPlan,
  quickstartApp,
  run,
  ScratchApp,
  sharedConstructPackages,
} from '../support/scratch-app';

const ROOT = join(__dirname, '..', '..');
const BIN = join(ROOT, 'node_modules', '.bin');
const PACKAGE = FLAVOURS.cdktf.name;

let tarballs: Record<'cdktf' | 'cdktn', string>;

beforeAll(async () => {
  // The run's one build of the packages (cdktn.test.ts installs the same tarballs).
  tarballs = await sharedConstructPackages();
}, 300_000);

function tarballEntries(path: string): string[] {
  return execFileSync('tar', ['tzf', path], { encoding: 'utf8' }).trim().split('\n').sort();
}

function tarballManifest(path: string): Record<string, any> {
  return JSON.parse(execFileSync('tar', ['xzf', path, '-O', 'package/package.json'], { encoding: 'utf8' }));
}

test.each(['cdktf', 'cdktn'] as const)(
  'the %s tarball holds compiled JavaScript with .d.ts files, an exports map, and only what constructs need',
  (flavour) => {
    const entries = tarballEntries(tarballs[flavour]);
    const manifest = tarballManifest(tarballs[flavour]);
    expect(entries).toContain('package/index.js');
    expect(entries).toContain('package/index.d.ts');
    expect(entries).toContain('package/generated/provider/index.js');
    expect(entries).toContain('package/generated/provider/index.d.ts');
    expect(entries).toContain('package/lib/tenant-fleet.d.ts');
    // Nothing but JavaScript, declarations, the manifest and the README: no TypeScript sources, tests or fixtures.
    expect(
      entries.filter(
        (entry) => !/(\.js|\.d\.ts)$/.test(entry) && !['package/package.json', 'package/README.md'].includes(entry),
      ),
    ).toEqual([]);
    expect(entries.filter((entry) => /test|\.spec\.|fixture/i.test(entry))).toEqual([]);
    expect(manifest).toMatchObject({
      name: FLAVOURS[flavour].name,
      main: './index.js',
      types: './index.d.ts',
      exports: { '.': { types: './index.d.ts', default: './index.js' } },
      peerDependencies: FLAVOURS[flavour].peerDependencies,
    });
    expect(Object.keys(manifest.dependencies)).toEqual(['yaml']);
    expect(JSON.stringify(manifest)).not.toMatch(/msal|node-forge|node-powershell/);
    // The CDK Terrain flavour never loads cdktf.
    const js = execFileSync('tar', ['xzf', tarballs[flavour], '-O', 'package/lib/tenant-fleet.js'], {
      encoding: 'utf8',
    });
    expect(js).toContain(`require("${flavour}")`);
    expect(js).not.toContain(`require("${flavour === 'cdktf' ? 'cdktn' : 'cdktf'}")`);
  },
);

describe('a fresh CDKTF app using the packed constructs', () => {
  let emulator: TestEmulator;
  let app: ScratchApp;

  beforeAll(async () => {
    emulator = await startTestEmulator();
    app = new ScratchApp('exoform-cdktf-app-', {
      'main.ts': quickstartApp('cdktf', PACKAGE),
      // The same app as an ES module: Node's ESM loader imports the CommonJS package through its exports map.
      'main.mjs': quickstartApp('cdktf', PACKAGE),
      'tsconfig.json': consumerTsconfig(['node']),
      'cdktf.json': JSON.stringify({
        language: 'typescript',
        app: 'node build/main.js',
        projectId: 'exoform-package-test',
        sendCrashReports: 'false',
      }),
    });
    await app.install([
      tarballs.cdktf,
      'cdktf@0.21.0',
      'constructs@10.8.1',
      'ts-node@10',
      'typescript@5',
      '@types/node@20',
    ]);
  });
  afterAll(async () => {
    await emulator?.stop();
    app?.cleanup();
  });

  test('ts-node, tsx, compiled JavaScript and an ES module synthesize the same stack', async () => {
    const synthesized = async (command: string, args: string[], outdir: string): Promise<string> => {
      // tsc below type-checks the app against the .d.ts files; ts-node only needs to load it.
      await run(command, args, {
        cwd: app.dir,
        env: { ...process.env, CDKTF_OUTDIR: join(app.dir, outdir), TS_NODE_TRANSPILE_ONLY: 'true' },
      });
      return readFileSync(join(app.dir, outdir, 'stacks', 'contoso', 'cdk.tf.json'), 'utf8');
    };
    await run(join(app.dir, 'node_modules', '.bin', 'tsc'), ['-p', '.'], { cwd: app.dir });
    const viaTsNode = await synthesized(join(app.dir, 'node_modules', '.bin', 'ts-node'), ['main.ts'], 'out-ts-node');
    const viaTsx = await synthesized(join(BIN, 'tsx'), ['main.ts'], 'out-tsx');
    const compiled = await synthesized(process.execPath, ['build/main.js'], 'out-compiled');
    const esm = await synthesized(process.execPath, ['main.mjs'], 'out-esm');
    expect(viaTsx).toBe(viaTsNode);
    expect(compiled).toBe(viaTsNode);
    expect(esm).toBe(viaTsNode);
    const stack = JSON.parse(viaTsNode);
    expect(Object.keys(stack.resource).sort()).toEqual([
      'exchangeonline_mailbox_smtp_auth_list',
      'exchangeonline_transport_config',
    ]);
    expect(stack.terraform.required_providers.exchangeonline).toEqual({
      source: 'exoform/exchangeonline',
      version: expect.any(String),
    });
  });

  test('cdktf synth with the real CLI, then terraform plan of the stack against the emulator', async () => {
    // The app is build/main.js, compiled by the test above.
    await run(join(BIN, 'cdktf'), ['synth'], { cwd: app.dir, env: cdkCliEnv({ TF_CLI_CONFIG_FILE: cliConfigPath() }) });
    const stack = readFileSync(join(app.dir, 'cdktf.out', 'stacks', 'contoso', 'cdk.tf.json'), 'utf8');
    await expectQuickstartPlan(stack, emulator);
  });
});
