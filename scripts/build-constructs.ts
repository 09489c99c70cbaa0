/**
 * `npm run constructs`: builds constructs/ into two npm packages, one source for both front ends:
 *
 *   dist/constructs/cdktf/   @exoform/cdktf-constructs   for CDKTF 0.21 apps   (peer: cdktf, constructs ^10.4.2)
 *   dist/constructs/cdktn/   @exoform/cdktn-constructs   for CDK Terrain 0.24  (peer: cdktn, constructs >=10.6.0 <10.8.0)
 *   dist/constructs/exoform-cdktf-constructs-<version>.tgz, exoform-cdktn-constructs-<version>.tgz   (`npm pack`)
 *
 * Each package is compiled JavaScript (CommonJS, so `require`, `import` from ESM, ts-node, tsx and tsc consumers all
 * load it) with `.d.ts` files and an `exports` map. Its only dependency is `yaml` (TenantFleet's YAML files, loaded
 * on first use); cdktf/cdktn and constructs are peers, because an app must have exactly one copy of each.
 *
 * The CDK Terrain flavour is the same compiled code with the `cdktf` module specifier changed to `cdktn`: cdktn 0.24
 * is an API-compatible fork (same classes, same `Symbol.for("cdktf/...")` identities), and the bindings
 * @cdktn/provider-generator writes are the ones @cdktf/provider-generator writes with that import changed. The
 * tests (test/constructs/package.test.ts, test/constructs/cdktn.test.ts) install both tarballs into fresh apps and
 * synthesize and plan them against the emulator.
 */
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, sep } from 'node:path';
import * as ts from 'typescript';
import { DIST, ROOT } from './package';

export type ConstructsFlavour = 'cdktf' | 'cdktn';

export const CONSTRUCTS_SOURCE = join(ROOT, 'constructs');
export const CONSTRUCTS_DIST = join(DIST, 'constructs');

const ROOT_PACKAGE = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
  version: string;
  license: string;
  dependencies: Record<string, string>;
};

/** Everything that differs between the two flavours. */
export const FLAVOURS: Record<
  ConstructsFlavour,
  { name: string; frontEnd: string; peerDependencies: Record<string, string> }
> = {
  cdktf: {
    name: '@exoform/cdktf-constructs',
    frontEnd: 'CDKTF 0.21 (cdktf, cdktf-cli)',
    peerDependencies: { cdktf: '>=0.21.0 <0.22.0', constructs: '^10.4.2' },
  },
  cdktn: {
    name: '@exoform/cdktn-constructs',
    frontEnd: 'CDK Terrain 0.24 (cdktn, cdktn-cli)',
    // cdktn 0.24's own peer range: constructs 10.8.x is excluded.
    peerDependencies: { cdktn: '>=0.24.0 <0.25.0', constructs: '>=10.6.0 <10.8.0' },
  },
};

/** The npm pack file name of a flavour's tarball. */
export function constructsTarball(flavour: ConstructsFlavour, destination = CONSTRUCTS_DIST): string {
  return join(destination, `${FLAVOURS[flavour].name.replace(/^@/, '').replace('/', '-')}-${ROOT_PACKAGE.version}.tgz`);
}

function sourceFiles(directory: string): string[] {
  return readdirSync(directory)
    .sort()
    .flatMap((name) => {
      const path = join(directory, name);
      if (statSync(path).isDirectory()) return sourceFiles(path);
      return name.endsWith('.ts') && !name.endsWith('.d.ts') ? [path] : [];
    });
}

/** tsc over constructs/ into `outDir`: .js + .d.ts, CommonJS. Throws with the diagnostics on any error. */
function compile(outDir: string): void {
  const options: ts.CompilerOptions = {
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.CommonJS,
    moduleResolution: ts.ModuleResolutionKind.Node10,
    lib: ['lib.es2022.d.ts'],
    types: ['node'],
    declaration: true,
    strict: true,
    noImplicitOverride: true,
    esModuleInterop: true,
    skipLibCheck: true,
    removeComments: false,
    rootDir: CONSTRUCTS_SOURCE,
    outDir,
    newLine: ts.NewLineKind.LineFeed,
  };
  const program = ts.createProgram(sourceFiles(CONSTRUCTS_SOURCE), options);
  const emitted = program.emit();
  const diagnostics = [...ts.getPreEmitDiagnostics(program), ...emitted.diagnostics];
  if (diagnostics.length) {
    const host: ts.FormatDiagnosticsHost = {
      getCanonicalFileName: (f) => f,
      getCurrentDirectory: () => ROOT,
      getNewLine: () => '\n',
    };
    throw new Error(`constructs/ does not compile:\n${ts.formatDiagnostics(diagnostics, host)}`);
  }
}

function outputFiles(directory: string): string[] {
  return readdirSync(directory)
    .sort()
    .flatMap((name) => {
      const path = join(directory, name);
      return statSync(path).isDirectory() ? outputFiles(path) : [path];
    });
}

/** `require("cdktf")` / `from "cdktf"` / `import("cdktf")` → cdktn. Only the bare module specifier is touched. */
export function retargetToCdktn(text: string): string {
  return text.replace(/(require\(|from |import\()(["'])cdktf\2/g, '$1$2cdktn$2');
}

function packageJson(flavour: ConstructsFlavour): string {
  const { name, frontEnd, peerDependencies } = FLAVOURS[flavour];
  const manifest = {
    name,
    version: ROOT_PACKAGE.version,
    description: `exoform's constructs for ${frontEnd}: SmtpAuthBaseline, MailboxList, TenantFleet and the exchangeonline provider's bindings.`,
    license: ROOT_PACKAGE.license,
    main: './index.js',
    types: './index.d.ts',
    exports: {
      '.': { types: './index.d.ts', default: './index.js' },
      './package.json': './package.json',
    },
    files: ['**/*.js', '**/*.d.ts', 'README.md'],
    engines: { node: '>=20' },
    dependencies: { yaml: ROOT_PACKAGE.dependencies.yaml ?? '^2.9.1' },
    peerDependencies,
  };
  return `${JSON.stringify(manifest, null, 2)}\n`;
}

function readme(flavour: ConstructsFlavour): string {
  const { name, frontEnd, peerDependencies } = FLAVOURS[flavour];
  const module = flavour;
  return [
    `# ${name}`,
    '',
    `exoform's constructs for ${frontEnd}, built from the exoform repository's \`constructs/\` by \`npm run constructs\`.`,
    '',
    `Peers: ${Object.entries(peerDependencies)
      .map(([n, r]) => `\`${n}@${r}\``)
      .join(', ')}.`,
    '',
    '```ts',
    `import { App, TerraformStack } from '${module}';`,
    `import { SmtpAuthBaseline, provider } from '${name}';`,
    '',
    'const app = new App();',
    "const stack = new TerraformStack(app, 'contoso');",
    "new provider.ExchangeonlineProvider(stack, 'exchangeonline');",
    "new SmtpAuthBaseline(stack, 'baseline', { allowedMailboxes: ['scanner@contoso.com'] });",
    'app.synth();',
    '```',
    '',
    'The exchangeonline provider itself is installed the Terraform way (a mirror or a registry), not by this package.',
    '',
  ].join('\n');
}

/**
 * Builds both flavours into `destination` (default dist/constructs/) and packs them; returns the tarball paths.
 * Tests pass a directory of their own, so parallel test files never rebuild under each other.
 */
export function buildConstructPackages(destination = CONSTRUCTS_DIST): Record<ConstructsFlavour, string> {
  rmSync(destination, { recursive: true, force: true });
  const compiled = join(destination, 'compiled');
  compile(compiled);
  const tarballs = {} as Record<ConstructsFlavour, string>;
  for (const flavour of Object.keys(FLAVOURS) as ConstructsFlavour[]) {
    const target = join(destination, flavour);
    for (const file of outputFiles(compiled)) {
      const destination = join(target, relative(compiled, file));
      mkdirSync(dirname(destination), { recursive: true });
      if (flavour === 'cdktf') copyFileSync(file, destination);
      else writeFileSync(destination, retargetToCdktn(readFileSync(file, 'utf8')));
    }
    writeFileSync(join(target, 'package.json'), packageJson(flavour));
    writeFileSync(join(target, 'README.md'), readme(flavour));
    // npm pack (no scripts run: the package has none) writes <scope>-<name>-<version>.tgz into CONSTRUCTS_DIST.
    execFileSync('npm', ['pack', '--silent', '--pack-destination', destination], {
      cwd: target,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    tarballs[flavour] = constructsTarball(flavour, destination);
    statSync(tarballs[flavour]); // throws if npm named it otherwise
  }
  rmSync(compiled, { recursive: true, force: true });
  return tarballs;
}

if (require.main === module) {
  try {
    const tarballs = buildConstructPackages();
    for (const [flavour, path] of Object.entries(tarballs))
      process.stdout.write(
        `${FLAVOURS[flavour as ConstructsFlavour].name}: ${relative(process.cwd(), path).split(sep).join('/')}\n`,
      );
  } catch (error) {
    process.stderr.write(
      `building the construct packages failed: ${error instanceof Error ? error.message : String(error)}\n`,
    );
    process.exit(1);
  }
}
