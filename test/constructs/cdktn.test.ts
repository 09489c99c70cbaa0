/**
 * CDK Terrain: a fresh cdktn 0.24 app (constructs 10.7, inside cdktn's peer range) installs the packed
 * @exoform/cdktn-constructs, compiles against its .d.ts files, and `cdktn synth` with the real cdktn-cli writes a stack
 * that `terraform plan` runs against the emulator.
 *
 * cdktn-cli 0.24 requires Node 22.19+. The Node here may be older, so the test installs Node 22 from the npm registry
 * (`node-<platform>-<arch>`, the package that ships the node binary itself; the `node` package only wraps it with an
 * install script) next to cdktn-cli in node_modules/.cache/exoform-cdktn-tools. Nothing is downloaded at run time.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { FLAVOURS } from '../../scripts/build-constructs';
import { cliConfigPath } from '../../scripts/package';
import { startTestEmulator, type TestEmulator } from '../support/emulator';
import {
  cdkCliEnv,
  consumerTsconfig,
  expectQuickstartPlan,
  npmInstall,
  quickstartApp,
  run,
  ScratchApp,
  sharedConstructPackages,
} from '../support/scratch-app';

const ROOT = join(__dirname, '..', '..');
const NODE_PACKAGE = `node-${process.platform === 'win32' ? 'win' : process.platform}-${process.arch}@22.23.3`;
const TOOLS = join(ROOT, 'node_modules', '.cache', 'exoform-cdktn-tools');

async function cdktnTools(): Promise<{ nodeBin: string; cdktn: string }> {
  const nodeBin = join(TOOLS, 'node_modules', NODE_PACKAGE.replace(/@.*$/, ''), 'bin');
  const cdktn = join(TOOLS, 'node_modules', '.bin', 'cdktn');
  if (!existsSync(join(nodeBin, 'node')) || !existsSync(cdktn)) {
    mkdirSync(TOOLS, { recursive: true });
    writeFileSync(join(TOOLS, 'package.json'), JSON.stringify({ name: 'exoform-cdktn-tools', private: true }));
    await npmInstall(TOOLS, [NODE_PACKAGE, 'cdktn-cli@0.24.0']);
  }
  return { nodeBin, cdktn };
}

describe('a fresh CDK Terrain app using the packed constructs', () => {
  let emulator: TestEmulator;
  let app: ScratchApp;
  let tools: { nodeBin: string; cdktn: string };

  beforeAll(async () => {
    const tarballs = await sharedConstructPackages(); // the run's one build (package.test.ts installs the same)
    tools = await cdktnTools();
    emulator = await startTestEmulator();
    app = new ScratchApp('exoform-cdktn-app-', {
      'main.ts': quickstartApp('cdktn', FLAVOURS.cdktn.name),
      'tsconfig.json': consumerTsconfig([]),
      'cdktf.json': JSON.stringify({
        language: 'typescript',
        app: 'node build/main.js',
        projectId: 'exoform-cdktn-test',
        sendCrashReports: 'false',
      }),
    });
    await app.install([tarballs.cdktn, 'cdktn@0.24.0', 'constructs@10.7.0']);
  }, 300_000); // may wait for package.test.ts's worker building the packages
  afterAll(async () => {
    await emulator?.stop();
    app?.cleanup();
  });

  test('the tools are Node 22.19+ from the npm package and cdktn-cli 0.24', async () => {
    const env = { ...process.env, PATH: `${tools.nodeBin}${delimiter}${process.env.PATH}` };
    expect((await run('node', ['--version'], { cwd: app.dir, env })).trim()).toMatch(/^v22\.(19|[2-9]\d)\./);
    expect(await run(tools.cdktn, ['--version'], { cwd: app.dir, env: cdkCliEnv({ PATH: env.PATH }) })).toContain(
      '0.24.0',
    );
  });

  test('tsc type-checks the app against cdktn, cdktn synth writes the stack, terraform plans it against the emulator', async () => {
    await run(process.execPath, [join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', '.'], { cwd: app.dir });
    const env = cdkCliEnv({
      PATH: `${tools.nodeBin}${delimiter}${process.env.PATH}`,
      TF_CLI_CONFIG_FILE: cliConfigPath(),
    });
    await run(tools.cdktn, ['synth'], { cwd: app.dir, env });
    const stack = readFileSync(join(app.dir, 'cdktf.out', 'stacks', 'contoso', 'cdk.tf.json'), 'utf8');
    expect(JSON.parse(stack)['//'].metadata.version).toBe('0.24.0'); // synthesized by cdktn, not cdktf
    await expectQuickstartPlan(stack, emulator);
  });
});
