/**
 * `npm run release`: the release artifacts, named as the Terraform Registry and Terraform's installers expect,
 * in dist/release/:
 *
 *   terraform-provider-exchangeonline_<version>_<os>_<arch>.zip   terraform-provider-exchangeonline_v<version>[.exe] + LICENSE
 *   exoform_<version>_<os>_<arch>.zip                             the exoform CLI (emulator) + LICENSE
 *   terraform-provider-exchangeonline_<version>_manifest.json     terraform-registry-manifest.json (protocol 6.0)
 *   terraform-provider-exchangeonline_<version>_SHA256SUMS        sha256 of every zip and the manifest
 *   terraform-provider-exchangeonline_<version>_SHA256SUMS.sig    detached binary GPG signature, when a key is given
 *   mirror/<host>/exoform/exchangeonline/{index.json,<version>.json,*.zip}
 *                                                                 a provider network mirror for registry.terraform.io
 *                                                                 and registry.opentofu.org; serve it from any static
 *                                                                 HTTPS host (or use it as a filesystem_mirror)
 *
 * Options:
 *   --platform <os_arch> [--node-binary <path>] add a target (repeatable); default: this machine. Without
 *                                               --node-binary, the platform's Node from the npm registry
 *                                               (scripts/release/node-runtime.ts)
 *   --native <directory>                        only build this machine's executables into <directory>/<os_arch>/
 *                                               (the release workflow's per-runner step, scripts/release/build-native.sh)
 *   --prebuilt <directory>                      assemble from <directory>/<os_arch>/ executables built by --native on
 *                                               each platform's runner, instead of building
 *   --tag <git tag>                             refuse unless the tag is v<package.json version>
 *   --gpg-key <fingerprint or user id>          sign SHA256SUMS (or set GPG_FINGERPRINT); GNUPGHOME is honoured
 *   --allow-unsigned-darwin                     see scripts/release/sea.ts
 *   --out <directory>                           instead of dist/release (emptied first)
 *
 * The version comes from package.json and must have a section in CHANGELOG.md. The executables are Node
 * single-executable applications (scripts/release/sea.ts) embedding a supported Node LTS (scripts/release/node-runtime.ts).
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  copyFileSync,
  existsSync,
  linkSync,
  mkdirSync,
  readFileSync,
  readdirSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { join, resolve } from 'node:path';
import { DIST, PROVIDER_VERSION, ROOT, bundle, sideBundlePlugin, sideBundles } from './package';
import { PROVIDER_CORE_BUNDLE } from '../src/provider-launcher';
import { RUNTIME_LINE, RUNTIME_PACKAGES, checkRuntimeSupported, fetchRuntime } from './release/node-runtime';
import {
  buildSea,
  executableName,
  hostPlatform,
  nodeBinaryVersion,
  type SeaApplication,
  type SeaTarget,
} from './release/sea';
import { writeZip, type ZipEntry } from './release/zip';

export const PROVIDER_TYPE = 'exchangeonline';
export const PROVIDER_NAMESPACE = 'exoform';
export const PROVIDER_BINARY = `terraform-provider-${PROVIDER_TYPE}`;
export const RELEASE_DIRECTORY = join(DIST, 'release');
/** The hosts a provider address without a hostname means: Terraform's and OpenTofu's default registries. */
export const MIRROR_HOSTS = ['registry.terraform.io', 'registry.opentofu.org'];

export interface ReleaseOptions {
  version?: string;
  targets?: SeaTarget[];
  gpgKey?: string;
  allowUnsignedDarwin?: boolean;
  outDirectory?: string;
  /** Assemble from executables built per platform by --native (a directory of <os_arch>/ directories). */
  prebuilt?: string;
  /** The git tag being released: must be v<version>. */
  tag?: string;
  log?: (line: string) => void;
}

export interface ReleaseResult {
  directory: string;
  version: string;
  providerZips: Record<string, string>;
  cliZips: Record<string, string>;
  manifest: string;
  sums: string;
  signature?: string;
  mirror: string;
}

export function providerZipName(version: string, platform: string): string {
  return `${PROVIDER_BINARY}_${version}_${platform}.zip`;
}

export function cliZipName(version: string, platform: string): string {
  return `exoform_${version}_${platform}.zip`;
}

/** The manifest the Terraform Registry reads from the repository and from each release. */
export function registryManifest(): string {
  return readFileSync(join(ROOT, 'terraform-registry-manifest.json'), 'utf8');
}

function sha256(content: Buffer | string): string {
  return createHash('sha256').update(content).digest('hex');
}

/**
 * Terraform's "h1:" package hash (Go's dirhash.Hash1) of a zip's contents: the sha256 of the sorted lines
 * "<sha256 hex>  <path>\n", base64. Lock files record it once a provider is installed; a mirror may offer it up front.
 */
export function h1Hash(entries: readonly ZipEntry[]): string {
  const lines = [...entries]
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
    .map((entry) => `${sha256(entry.content)}  ${entry.name}\n`)
    .join('');
  return `h1:${createHash('sha256').update(lines).digest('base64')}`;
}

const BANNER = '// Generated by scripts/release.ts (npm run release). Do not edit.';

/** The main script of the exoform executable. */
const CLI_ENTRY = join(ROOT, 'src/cli/cli.ts'); // runs itself: in a single executable, require.main === module

/** The provider's single executable: the provider bundle, with the side bundles as embedded assets. */
export async function providerApplication(): Promise<SeaApplication> {
  return {
    name: 'provider',
    main: await bundle('src/main.ts', BANNER, [sideBundlePlugin]),
    assets: Object.fromEntries(await sideBundles(BANNER)),
    // Loaded at every start, right after the handshake line (src/provider-core.ts).
    codeCachedAssets: [PROVIDER_CORE_BUNDLE],
  };
}

export async function cliApplication(): Promise<SeaApplication> {
  return { name: 'exoform', main: await bundle(CLI_ENTRY, BANNER), assets: {} };
}

/** This machine's release executable of the provider (built, or from the cache): the bytes that go into its zip. */
export async function hostProviderExecutable(log?: (line: string) => void): Promise<string> {
  return buildSea(await providerApplication(), hostTarget(log), { log });
}

/** This machine as a release target, with the Node the release embeds (from the npm registry). */
export function hostTarget(log?: (line: string) => void): SeaTarget {
  return { platform: hostPlatform(), nodeBinary: fetchRuntime(hostPlatform(), log) };
}

/** The file names of one platform's two executables, as they go into the zips and into --native directories. */
export function executableNames(version: string, platform: string): { provider: string; cli: string } {
  return {
    provider: executableName(`${PROVIDER_BINARY}_v${version}`, platform),
    cli: executableName('exoform', platform),
  };
}

/**
 * Refuses to release a version that is not what the tag says, or that CHANGELOG.md has no "## <version>" section
 * for (users read what changed there; the GitHub release notes point to it).
 */
export function checkReleaseVersion(
  version: string,
  tag?: string,
  changelog = readFileSync(join(ROOT, 'CHANGELOG.md'), 'utf8'),
): void {
  if (!/^\d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?$/.test(version))
    throw new Error(`package.json version "${version}" is not a semantic version (x.y.z)`);
  if (tag !== undefined && tag !== `v${version}`) {
    throw new Error(
      `tag ${tag} does not match package.json's version ${version}: tag v${version}, or set "version" in package.json to ${tag.replace(/^v/, '')} and tag again`,
    );
  }
  const escaped = version.replace(/[.+-]/g, (c) => `\\${c}`);
  if (!new RegExp(`^## \\[?v?${escaped}\\]?(\\s|$)`, 'm').test(changelog)) {
    throw new Error(
      `CHANGELOG.md has no "## ${version}" section: move the "Unreleased" entries under "## ${version}" before releasing`,
    );
  }
}

/**
 * This machine's two executables into <directory>/<os_arch>/, with runtime.json naming the embedded Node: one
 * runner's share of a release (scripts/release/build-native.sh), assembled later with --prebuilt.
 */
export async function buildNative(
  directory: string,
  target: SeaTarget,
  options: { log?: (line: string) => void; allowUnsignedDarwin?: boolean } = {},
): Promise<string> {
  const names = executableNames(PROVIDER_VERSION, target.platform);
  const out = join(directory, target.platform);
  rmSync(out, { recursive: true, force: true });
  mkdirSync(out, { recursive: true });
  const seaOptions = { log: options.log, allowUnsignedDarwin: options.allowUnsignedDarwin };
  copyFileSync(buildSea(await providerApplication(), target, seaOptions), join(out, names.provider));
  copyFileSync(buildSea(await cliApplication(), target, seaOptions), join(out, names.cli));
  writeFileSync(
    join(out, 'runtime.json'),
    JSON.stringify({ platform: target.platform, node: nodeBinaryVersion(target.nodeBinary) }, null, 2) + '\n',
  );
  options.log?.(
    `${target.platform}: ${join(out, names.provider)}, ${join(out, names.cli)} (Node ${nodeBinaryVersion(target.nodeBinary)})`,
  );
  return out;
}

function placeFile(source: string, destination: string): void {
  try {
    linkSync(source, destination); // the mirror's zips are the release's zips: link instead of copying 40 MB each
  } catch {
    copyFileSync(source, destination);
  }
}

export async function buildRelease(options: ReleaseOptions = {}): Promise<ReleaseResult> {
  const log = options.log ?? ((line: string) => process.stdout.write(`${line}\n`));
  const version = options.version ?? PROVIDER_VERSION;
  checkReleaseVersion(version, options.tag);
  const directory = options.outDirectory ?? RELEASE_DIRECTORY;
  const license = readFileSync(join(ROOT, 'LICENSE'));

  // Per platform, the two executables: from the native builds, or built here.
  const executables: Record<string, { provider: Buffer; cli: Buffer }> = {};
  if (options.prebuilt) {
    for (const platform of readdirSync(options.prebuilt).sort()) {
      const names = executableNames(version, platform);
      const provider = join(options.prebuilt, platform, names.provider);
      const cli = join(options.prebuilt, platform, names.cli);
      if (!PLATFORM_NAME.test(platform))
        throw new Error(`--prebuilt ${options.prebuilt}/${platform}: not a platform name like linux_amd64`);
      if (!existsSync(provider) || !existsSync(cli)) {
        throw new Error(
          `--prebuilt ${options.prebuilt}/${platform} lacks ${names.provider} or ${names.cli}: was it built by --native for version ${version}?`,
        );
      }
      // The runner checked its runtime when it built; the assembly checks again on the day of the release.
      const runtime = JSON.parse(readFileSync(join(options.prebuilt, platform, 'runtime.json'), 'utf8')) as {
        node: string;
      };
      checkRuntimeSupported(runtime.node);
      executables[platform] = { provider: readFileSync(provider), cli: readFileSync(cli) };
    }
    if (Object.keys(executables).length === 0)
      throw new Error(`--prebuilt ${options.prebuilt} holds no <os_arch> directories`);
  } else {
    const targets = options.targets?.length ? options.targets : [hostTarget(log)];
    const provider = await providerApplication();
    const cli = await cliApplication();
    const seaOptions = { allowUnsignedDarwin: options.allowUnsignedDarwin, log };
    for (const target of targets) {
      executables[target.platform] = {
        provider: readFileSync(buildSea(provider, target, seaOptions)),
        cli: readFileSync(buildSea(cli, target, seaOptions)),
      };
    }
  }

  rmSync(directory, { recursive: true, force: true });
  mkdirSync(directory, { recursive: true });
  const providerZips: Record<string, string> = {};
  const cliZips: Record<string, string> = {};
  const archives: Record<string, { url: string; hashes: string[] }> = {};
  for (const [platform, built] of Object.entries(executables)) {
    const names = executableNames(version, platform);
    const providerEntries: ZipEntry[] = [
      { name: names.provider, content: built.provider, mode: 0o755 },
      { name: 'LICENSE', content: license, mode: 0o644 },
    ];
    const providerZip = writeZip(providerEntries);
    providerZips[platform] = join(directory, providerZipName(version, platform));
    writeFileSync(providerZips[platform], providerZip);
    archives[platform] = {
      url: providerZipName(version, platform),
      hashes: [h1Hash(providerEntries), `zh:${sha256(providerZip)}`],
    };

    const cliEntries: ZipEntry[] = [
      { name: names.cli, content: built.cli, mode: 0o755 },
      { name: 'LICENSE', content: license, mode: 0o644 },
    ];
    cliZips[platform] = join(directory, cliZipName(version, platform));
    writeFileSync(cliZips[platform], writeZip(cliEntries));
    log(`${platform}: ${providerZipName(version, platform)}, ${cliZipName(version, platform)}`);
  }

  const manifest = join(directory, `${PROVIDER_BINARY}_${version}_manifest.json`);
  writeFileSync(manifest, registryManifest());

  const listed = [...Object.values(providerZips), ...Object.values(cliZips), manifest]
    .map((path) => path.slice(directory.length + 1))
    .sort();
  const sums = join(directory, `${PROVIDER_BINARY}_${version}_SHA256SUMS`);
  writeFileSync(sums, listed.map((name) => `${sha256(readFileSync(join(directory, name)))}  ${name}\n`).join(''));

  let signature: string | undefined;
  const gpgKey = options.gpgKey ?? process.env.GPG_FINGERPRINT;
  if (gpgKey) {
    signature = `${sums}.sig`;
    const result = spawnSync(
      'gpg',
      ['--batch', '--yes', '--local-user', gpgKey, '--output', signature, '--detach-sign', sums],
      { encoding: 'utf8' },
    );
    if (result.error || result.status !== 0) {
      throw new Error(
        `signing ${sums} with GPG key ${gpgKey} failed: ${result.error?.message ?? result.stderr.trim()}. Check the key is in the keyring (GNUPGHOME) and needs no passphrase prompt.`,
      );
    }
    log(`signed: ${signature}`);
  }

  // The provider network mirror protocol: <host>/<namespace>/<type>/index.json lists versions, <version>.json the
  // archives per platform with their hashes; archive URLs are relative to the <version>.json.
  const mirror = join(directory, 'mirror');
  for (const host of MIRROR_HOSTS) {
    const providerDirectory = join(mirror, host, PROVIDER_NAMESPACE, PROVIDER_TYPE);
    mkdirSync(providerDirectory, { recursive: true });
    writeFileSync(
      join(providerDirectory, 'index.json'),
      JSON.stringify({ versions: { [version]: {} } }, null, 2) + '\n',
    );
    writeFileSync(join(providerDirectory, `${version}.json`), JSON.stringify({ archives }, null, 2) + '\n');
    for (const zip of Object.values(providerZips))
      placeFile(zip, join(providerDirectory, zip.slice(directory.length + 1)));
  }
  log(`release ${version}: ${directory}`);
  return { directory, version, providerZips, cliZips, manifest, sums, signature, mirror };
}

const PLATFORM_NAME = /^(linux|darwin|windows|freebsd)_(amd64|arm64|arm|386)$/;

function parseArguments(argv: string[]): ReleaseOptions & { native?: string } {
  const options: ReleaseOptions & { native?: string } = { targets: [] };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i];
    const value = (): string => {
      const next = argv[++i];
      if (next === undefined || next.startsWith('--')) throw new Error(`${flag} needs a value`);
      return next;
    };
    if (flag === '--platform') {
      const platform = value();
      if (!PLATFORM_NAME.test(platform))
        throw new Error(`--platform ${platform} is not a Terraform platform name like linux_amd64 or windows_amd64`);
      options.targets!.push({ platform, nodeBinary: '' });
    } else if (flag === '--node-binary') {
      const target = options.targets!.at(-1);
      if (!target || target.nodeBinary)
        throw new Error(
          '--node-binary must follow --platform <os_arch> (e.g. --platform darwin_arm64 --node-binary ./node)',
        );
      target.nodeBinary = resolve(value());
    } else if (flag === '--gpg-key') options.gpgKey = value();
    else if (flag === '--allow-unsigned-darwin') options.allowUnsignedDarwin = true;
    else if (flag === '--out') options.outDirectory = resolve(value());
    else if (flag === '--prebuilt') options.prebuilt = resolve(value());
    else if (flag === '--native') options.native = resolve(value());
    else if (flag === '--tag') options.tag = value();
    else throw new Error(`unknown option ${flag}; see the header of scripts/release.ts`);
  }
  // A platform without --node-binary embeds that platform's Node from the npm registry.
  for (const target of options.targets!)
    if (!target.nodeBinary)
      target.nodeBinary = fetchRuntime(target.platform, (line) => process.stdout.write(`${line}\n`));
  return options;
}

/**
 * The Node a native build embeds: EXOFORM_NODE_BINARY, else this platform's npm package, else (darwin_arm64, which
 * has no package) the Node running this script when it is of the embedded line (the workflow's setup-node).
 */
function nativeTarget(): SeaTarget {
  const log = (line: string): void => void process.stdout.write(`${line}\n`);
  if (process.env.EXOFORM_NODE_BINARY)
    return { platform: hostPlatform(), nodeBinary: resolve(process.env.EXOFORM_NODE_BINARY) };
  if (RUNTIME_PACKAGES[hostPlatform()]) return hostTarget(log);
  if (process.versions.node.split('.')[0] === String(RUNTIME_LINE))
    return { platform: hostPlatform(), nodeBinary: process.execPath };
  throw new Error(
    `${hostPlatform()}: no Node ${RUNTIME_LINE} package in the npm registry; run with Node ${RUNTIME_LINE} or set EXOFORM_NODE_BINARY`,
  );
}

async function main(argv: string[]): Promise<void> {
  const options = parseArguments(argv);
  if (options.native) {
    checkReleaseVersion(PROVIDER_VERSION, options.tag);
    const target = options.targets!.find((t) => t.platform === hostPlatform()) ?? nativeTarget();
    await buildNative(options.native, target, {
      allowUnsignedDarwin: options.allowUnsignedDarwin,
      log: (line) => process.stdout.write(`${line}\n`),
    });
    return;
  }
  await buildRelease(options);
}

if (require.main === module) {
  Promise.resolve()
    .then(() => main(process.argv.slice(2)))
    .catch((error: unknown) => {
      process.stderr.write(`release failed: ${error instanceof Error ? error.message : String(error)}\n`);
      process.exit(1);
    });
}
