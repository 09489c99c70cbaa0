/**
 * `npm run package`: builds the provider into a Terraform filesystem mirror, so `terraform init` works offline.
 *
 *   dist/cli.js                            the `exoform` command (emulator, report), bundled the same way
 *   dist/mirror/registry.terraform.io/exoform/exchangeonline/<version>/<os_arch>/terraform-provider-exchangeonline_v<version>
 *                                          the provider's executable: src/provider-launcher.ts, which runs the
 *                                          provider bundle beside it (exoform-provider.js: one bundled file, much
 *                                          faster to start than many modules) with a per-user V8 code cache;
 *                                          exoform-provider-core.js beside it, the provider proper, loaded right
 *                                          after the handshake line (with its own code cache); exoform-msal.js /
 *                                          exoform-forge.js / exoform-powershell.js too, loaded on first use
 *   dist/terraform.rc                      Terraform CLI config pointing at the mirror, for this repository's own scripts
 *                                          and tests (TF_CLI_CONFIG_FILE); users merge the README's block instead
 *
 * This is the development package (needs node on PATH). Releases are self-contained executables: scripts/release.ts.
 */
import { build, type Plugin } from 'esbuild';
import {
  chmodSync,
  existsSync,
  mkdirSync,
  readFileSync,
  readdirSync,
  renameSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { join, resolve } from 'node:path';
import { PROVIDER_BUNDLE, PROVIDER_CORE_BUNDLE } from '../src/provider-launcher';

export const ROOT = resolve(__dirname, '..');
export const DIST = join(ROOT, 'dist');
export const PROVIDER_SOURCE = 'registry.terraform.io/exoform/exchangeonline';
export const PROVIDER_VERSION: string = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).version;
/** Node runs anywhere; these are the platforms Terraform may ask the mirror for. */
const PLATFORMS = ['linux_amd64', 'linux_arm64', 'darwin_amd64', 'darwin_arm64'];

export function mirrorDirectory(): string {
  return join(DIST, 'mirror');
}

export function providerExecutable(platform = 'linux_amd64'): string {
  return join(
    mirrorDirectory(),
    PROVIDER_SOURCE,
    PROVIDER_VERSION,
    platform,
    `terraform-provider-exchangeonline_v${PROVIDER_VERSION}`,
  );
}

export function cliConfigPath(): string {
  return join(DIST, 'terraform.rc');
}

/**
 * The settings every script runs terraform with: the packaged provider's mirror, no prompts, no checkpoint
 * calls, and no plugin cache (a rebuilt provider keeps its version, so a cached copy would hide the rebuild).
 */
export function terraformSettings(): Record<string, string> {
  return {
    TF_CLI_CONFIG_FILE: cliConfigPath(),
    TF_IN_AUTOMATION: '1',
    CHECKPOINT_DISABLE: '1',
    TF_PLUGIN_CACHE_DIR: '',
  };
}

/** This process's environment with `terraformSettings()` and `extra` laid over it. */
export function terraformEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  return { ...process.env, ...terraformSettings(), ...extra };
}

/**
 * Writes through a temporary file and a rename, so a terraform (or a parallel test run) reading the mirror
 * never sees a half-written provider.
 */
function writeAtomically(path: string, content: string | Buffer, mode = 0o644): void {
  mkdirSync(join(path, '..'), { recursive: true });
  const temporary = `${path}.${process.pid}.tmp`;
  writeFileSync(temporary, content);
  chmodSync(temporary, mode);
  renameSync(temporary, path);
}

/**
 * Authentication libraries (MSAL, node-forge) and node-powershell are most of the provider's code but only needed
 * when a token is fetched or a PowerShell session starts. They go into side bundles next to the executable, loaded on first use: every provider start parses
 * ~100 KB instead of ~800 KB (about 20 ms less, paid 3–5 times per terraform command).
 */
export const SIDE_BUNDLES: Record<string, string> = {
  '@azure/msal-node': 'exoform-msal.js',
  'node-forge': 'exoform-forge.js',
  'node-powershell': 'exoform-powershell.js',
};

/**
 * The provider proper (src/provider-core.ts: the routes, the resources, the Exchange bridge), which src/main.ts
 * requires only after its handshake line. As a side bundle, a start loads none of it before the line: the main
 * bundle holds only the handshake, the certificate and the listening socket (docs/performance.md, "Measured in this
 * change (start-up, split bundle)").
 */
const PROVIDER_CORE = {
  specifier: './provider-core',
  importer: join(ROOT, 'src/main.ts'),
  entry: 'src/provider-core.ts',
};

/**
 * What a side bundle's import turns into. From a mirror, the bundle is the file beside the executable (the launcher
 * runs the provider core from its code cache: src/provider-launcher.ts); inside a single-executable build
 * (scripts/release.ts) it is an embedded asset of the same name, compiled on first use, with the V8 code cache
 * made for it at build time when the executable has one (`<name>.v8cache`, scripts/release/sea.ts).
 */
function sideBundleStub(file: string): string {
  return `
const path = require('node:path');
let sea;
try { sea = require('node:sea'); } catch { sea = undefined; }
if (sea && sea.isSea()) {
  const Module = require('node:module');
  const vm = require('node:vm');
  const filename = path.join(path.dirname(process.execPath), ${JSON.stringify(file)});
  let cachedData;
  try { cachedData = Buffer.from(sea.getRawAsset(${JSON.stringify(`${file}.v8cache`)})); } catch { cachedData = undefined; }
  const script = new vm.Script(Module.wrap(sea.getAsset(${JSON.stringify(file)}, 'utf8')), { filename, cachedData });
  const sideModule = { exports: {} };
  script.runInThisContext().call(sideModule.exports, sideModule.exports, Module.createRequire(filename), sideModule, filename, path.dirname(filename));
  module.exports = sideModule.exports;
} else {
  module.exports = require(path.join(__dirname, ${JSON.stringify(file)}));
}`;
}

export const sideBundlePlugin: Plugin = {
  name: 'side-bundles',
  setup(builder) {
    const filter = new RegExp(
      `^(${[...Object.keys(SIDE_BUNDLES), PROVIDER_CORE.specifier]
        .map((name) => name.replace(/[/.]/g, '\\$&'))
        .join('|')})$`,
    );
    builder.onResolve({ filter }, (args) => {
      if (args.path !== PROVIDER_CORE.specifier) return { path: SIDE_BUNDLES[args.path], namespace: 'side-bundle' };
      // Only main.ts's import is the core; any other './provider-core' is an ordinary module.
      return args.importer === PROVIDER_CORE.importer
        ? { path: PROVIDER_CORE_BUNDLE, namespace: 'side-bundle' }
        : undefined;
    });
    builder.onLoad({ filter: /.*/, namespace: 'side-bundle' }, (args) => ({
      contents: sideBundleStub(args.path),
      loader: 'js',
    }));
  },
};

/** Every side bundle, built: file name → contents (the provider core, then the libraries loaded on first use). */
export async function sideBundles(banner: string): Promise<Map<string, Buffer>> {
  const bundles = new Map<string, Buffer>();
  bundles.set(PROVIDER_CORE_BUNDLE, await bundle(PROVIDER_CORE.entry, banner, [sideBundlePlugin]));
  for (const [moduleName, file] of Object.entries(SIDE_BUNDLES)) {
    bundles.set(file, await bundle(require.resolve(moduleName, { paths: [ROOT] }), banner));
  }
  return bundles;
}

export async function bundle(entry: string, banner: string, plugins: Plugin[] = []): Promise<Buffer> {
  const result = await build({
    plugins,
    entryPoints: [entry.startsWith('/') ? entry : join(ROOT, entry)],
    outfile: 'bundle.js',
    write: false,
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    minify: true,
    sourcemap: false,
    legalComments: 'none',
    banner: { js: banner },
    logLevel: 'warning',
  });
  return Buffer.from(result.outputFiles[0].contents);
}

export async function packageProvider(): Promise<void> {
  const banner = '// Generated by scripts/package.ts (npm run package). Do not edit.';
  const provider = await bundle('src/main.ts', banner, [sideBundlePlugin]);
  const launcher = await bundle('src/provider-launcher.ts', `#!/usr/bin/env node\n${banner}`);
  const sides = await sideBundles(banner);
  if (existsSync(join(ROOT, 'src/cli/cli.ts'))) {
    writeAtomically(
      join(DIST, 'cli.js'),
      await bundle(
        'src/cli/cli.ts',
        '#!/usr/bin/env node\n// Generated by scripts/package.ts (npm run package). Do not edit.',
      ),
      0o755,
    );
  }
  // Terraform execs the launcher directly; the shebang finds node on PATH, with no shell wrapper in between.
  for (const platform of PLATFORMS) {
    for (const [file, content] of sides) writeAtomically(join(providerExecutable(platform), '..', file), content);
    writeAtomically(join(providerExecutable(platform), '..', PROVIDER_BUNDLE), provider);
    writeAtomically(providerExecutable(platform), launcher, 0o755);
  }
  // Older versions left in the mirror would be offered to `terraform init` too.
  const versions = join(mirrorDirectory(), PROVIDER_SOURCE);
  for (const version of readdirSync(versions)) {
    if (version !== PROVIDER_VERSION) rmSync(join(versions, version), { recursive: true, force: true });
  }
  writeAtomically(
    cliConfigPath(),
    [
      "# Generated by scripts/package.ts (npm run package). For this repository's scripts and tests (TF_CLI_CONFIG_FILE).",
      '# It replaces a whole CLI configuration: for your own setup, merge the provider_installation block from README.md.',
      '# Installs exoform/exchangeonline from the local mirror; every other provider comes from its registry as usual.',
      'provider_installation {',
      '  filesystem_mirror {',
      `    path    = ${JSON.stringify(mirrorDirectory())}`,
      `    include = [${JSON.stringify(PROVIDER_SOURCE)}]`,
      '  }',
      '  direct {',
      `    exclude = [${JSON.stringify(PROVIDER_SOURCE)}]`,
      '  }',
      '}',
      '',
    ].join('\n'),
  );
}

if (require.main === module) {
  packageProvider().then(
    () => {
      process.stdout.write(`Provider ${PROVIDER_SOURCE} ${PROVIDER_VERSION} packaged into ${mirrorDirectory()}\n`);
      process.stdout.write(`Use it with: export TF_CLI_CONFIG_FILE=${cliConfigPath()}\n`);
    },
    (error: unknown) => {
      process.stderr.write(`packaging failed: ${error instanceof Error ? error.message : String(error)}\n`);
      process.exit(1);
    },
  );
}
