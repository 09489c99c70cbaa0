/**
 * Self-contained executables with Node's single-executable applications (node:sea): a copy of a Node binary with
 * our bundle injected as the NODE_SEA_BLOB resource (with postject), so users need no Node on PATH.
 *
 * - The blob is made by the embedded Node itself when the target is this machine's platform (`<target node>
 *   --experimental-sea-config`), so the blob format and V8's code cache come from the Node that will load them, not
 *   from the Node running this script. For another platform it is made by this platform's Node binary package of
 *   the same version (scripts/release/node-runtime.ts), without a code cache: a code cache only loads on the
 *   platform that produced it (Node's SEA documentation). The release workflow builds each platform on a runner
 *   of that platform, so every published executable has its own cache.
 * - The embedded Node must be a supported line (scripts/release/node-runtime.ts refuses one past end of life).
 * - macOS binaries carry a code signature that injection invalidates, and arm64 macOS refuses to run unsigned code:
 *   the signature is removed before and an ad-hoc one made after with `codesign` (only on macOS). Windows:
 *   node.exe's Authenticode signature is removed with `osslsigncode` (or `signtool` on Windows) before injection;
 *   sign the result with your own certificate if you distribute it.
 * - Builds are cached under dist/sea-cache by a hash of everything that goes in, so a test run or a second
 *   `npm run release` reuses them (postject needs ~6 s and ~1 GB per 100 MB executable).
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  chmodSync,
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DIST, ROOT } from '../package';
import { RUNTIME_PACKAGES, checkRuntimeSupported, fetchRuntimePackage } from './node-runtime';

/** The SEA sentinel compiled into every Node binary that supports single-executable applications. */
export const SEA_FUSE = 'NODE_SEA_FUSE_fce680ab2cc467b6e072b8b5df1996b2';

export interface SeaApplication {
  /** Short name used for cache entries, e.g. "provider". */
  name: string;
  /** The bundled CommonJS main script. */
  main: Buffer;
  /** Files read at run time with `sea.getAsset(name)`. */
  assets: Record<string, Buffer>;
  /**
   * Assets that are CommonJS bundles loaded at every start: each gets a V8 code cache, `<name>.v8cache`, made by
   * the embedded Node at build time, as the main script gets its own (`useCodeCache`), and only then.
   */
  codeCachedAssets?: string[];
}

export interface SeaTarget {
  /** Terraform's platform name: linux_amd64, darwin_arm64, windows_amd64, ... */
  platform: string;
  nodeBinary: string;
}

export interface SeaOptions {
  /** Accept a darwin build that could not be re-signed here (it must be signed on macOS before it runs there). */
  allowUnsignedDarwin?: boolean;
  /** For a target of another platform: the Node that makes the blob (default: from the npm registry, same version). */
  blobNode?: string;
  /** Only for the start-up benchmark's comparison with an old Node: skip the end-of-life check. */
  allowEndOfLife?: boolean;
  log?: (line: string) => void;
}

const NODE_OS: Record<string, string> = { linux: 'linux', darwin: 'darwin', win32: 'windows', freebsd: 'freebsd' };
const NODE_ARCH: Record<string, string> = { x64: 'amd64', arm64: 'arm64', arm: 'arm', ia32: '386' };

/** This machine's platform in Terraform's spelling. */
export function hostPlatform(): string {
  return `${NODE_OS[process.platform] ?? process.platform}_${NODE_ARCH[process.arch] ?? process.arch}`;
}

export function executableName(base: string, platform: string): string {
  return platform.startsWith('windows_') ? `${base}.exe` : base;
}

/** The Node version a Node binary was built as, read from the source URL compiled into it (no need to run it). */
export function nodeBinaryVersion(nodeBinary: string): string | undefined {
  const text = readFileSync(nodeBinary).toString('latin1');
  return /node-(v\d+\.\d+\.\d+)(?:-headers)?\.tar\.gz/.exec(text)?.[1];
}

function run(command: string, args: string[], what: string): void {
  const result = spawnSync(command, args, { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  if (result.error) throw new Error(`${what}: could not run ${command}: ${result.error.message}`);
  if (result.status !== 0)
    throw new Error(`${what} failed (${command} exited ${result.status}):\n${result.stderr}${result.stdout}`);
}

function available(command: string): boolean {
  return spawnSync(process.platform === 'win32' ? 'where' : 'which', [command], { stdio: 'ignore' }).status === 0;
}

/**
 * Run by the embedded Node (`node -e <this> <bundle> <out>`): compiles the bundle wrapped as the side-bundle loader
 * wraps it (scripts/package.ts), runs its top level (definitions only: what runs at every start, so its functions
 * are compiled into the cache too) and writes V8's code cache. No V8 flag is set here, as none is at run time
 * before the bundle loads; V8 rejects a cache made under other flags or by another version.
 */
const CODE_CACHE_SCRIPT = `
const { readFileSync, writeFileSync } = require('node:fs');
const Module = require('node:module');
const path = require('node:path');
const vm = require('node:vm');
const [file, out] = process.argv.slice(1);
const script = new vm.Script(Module.wrap(readFileSync(file, 'utf8')), { filename: file });
const m = { exports: {} };
script.runInThisContext().call(m.exports, m.exports, Module.createRequire(file), m, file, path.dirname(file));
writeFileSync(out, script.createCachedData());
`;

function cacheKey(application: SeaApplication, target: SeaTarget, blobNode: string, useCodeCache: boolean): string {
  const hash = createHash('sha256');
  const binary = statSync(target.nodeBinary);
  hash.update(
    JSON.stringify([target.platform, target.nodeBinary, binary.size, binary.mtimeMs, blobNode, useCodeCache]),
  );
  hash.update(readFileSync(__filename));
  hash.update(readFileSync(join(ROOT, 'node_modules/postject/package.json')));
  hash.update(application.main);
  for (const name of Object.keys(application.assets).sort())
    hash.update(`\0${name}\0`).update(application.assets[name]);
  hash.update(JSON.stringify(application.codeCachedAssets ?? []));
  return hash.digest('hex').slice(0, 16);
}

/** This machine's Node binary package at `version` (v-prefixed), to make the blob for another platform's target. */
function hostRuntimeOfVersion(version: string, platform: string, log: (line: string) => void): string {
  const host = RUNTIME_PACKAGES[hostPlatform()];
  if (!host)
    throw new Error(
      `${platform}: no Node binary package for this machine (${hostPlatform()}) to make the blob with; pass blobNode`,
    );
  return fetchRuntimePackage(host.name, version.slice(1), host.binary, log);
}

/**
 * Builds (or takes from the cache) one single-executable application and returns the path of the executable.
 * The caller copies it; the cached file is never handed out for writing.
 */
export function buildSea(application: SeaApplication, target: SeaTarget, options: SeaOptions = {}): string {
  const log = options.log ?? (() => undefined);
  const version = nodeBinaryVersion(target.nodeBinary);
  if (!version)
    throw new Error(`--node-binary ${target.nodeBinary}: no Node version found in it; is it a Node executable?`);
  if (!options.allowEndOfLife) checkRuntimeSupported(version);
  const useCodeCache = target.platform === hostPlatform();
  const blobNode = useCodeCache
    ? target.nodeBinary
    : (options.blobNode ?? hostRuntimeOfVersion(version, target.platform, log));
  const blobVersion = nodeBinaryVersion(blobNode);
  if (blobVersion !== version) {
    throw new Error(
      `${target.platform}: the blob would be made by Node ${blobVersion ?? '(unknown)'} (${blobNode}) but the executable embeds Node ${version}. ` +
        'A single-executable blob only works in the Node version that made it: build that platform on a runner of that platform.',
    );
  }
  const key = cacheKey(application, target, blobNode, useCodeCache);
  const cacheDirectory = join(DIST, 'sea-cache', target.platform);
  // One cache entry per application and embedded Node (the bench keeps a Node 20 build beside the release's).
  const prefix = `${application.name}-${version}-`;
  const cached = join(cacheDirectory, `${prefix}${key}`);
  if (existsSync(cached)) {
    log(`${application.name} ${target.platform}: cached single executable ${cached}`);
    return cached;
  }

  const work = mkdtempSync(join(tmpdir(), 'exoform-sea-'));
  try {
    writeFileSync(join(work, 'main.js'), application.main);
    const assets: Record<string, string> = {};
    for (const [name, content] of Object.entries(application.assets)) {
      assets[name] = join(work, 'assets', name);
      mkdirSync(join(work, 'assets'), { recursive: true });
      writeFileSync(assets[name], content);
    }
    if (useCodeCache) {
      for (const name of application.codeCachedAssets ?? []) {
        assets[`${name}.v8cache`] = join(work, 'assets', `${name}.v8cache`);
        run(
          blobNode,
          ['-e', CODE_CACHE_SCRIPT, assets[name], assets[`${name}.v8cache`]],
          `making the code cache of ${name}`,
        );
      }
    }
    const config = {
      main: join(work, 'main.js'),
      output: join(work, 'sea.blob'),
      disableExperimentalSEAWarning: true,
      useCodeCache,
      useSnapshot: false,
      assets,
    };
    writeFileSync(join(work, 'sea-config.json'), JSON.stringify(config, null, 2));
    run(blobNode, ['--experimental-sea-config', join(work, 'sea-config.json')], 'making the single-executable blob');

    const executable = join(work, 'app');
    copyFileSync(target.nodeBinary, executable);
    chmodSync(executable, 0o755);
    const darwin = target.platform.startsWith('darwin_');
    const windows = target.platform.startsWith('windows_');
    if (darwin) {
      if (available('codesign')) run('codesign', ['--remove-signature', executable], 'removing the macOS signature');
      else if (!options.allowUnsignedDarwin) {
        throw new Error(
          `${target.platform}: codesign is not available here, and arm64 macOS refuses to run a binary whose signature injection broke. ` +
            'Build darwin targets on macOS, or pass --allow-unsigned-darwin and run `codesign --sign - <executable>` on macOS before publishing.',
        );
      }
    }
    if (windows) {
      if (available('signtool')) run('signtool', ['remove', '/s', executable], 'removing the Windows signature');
      else if (available('osslsigncode')) {
        run(
          'osslsigncode',
          ['remove-signature', '-in', executable, '-out', `${executable}.unsigned`],
          'removing the Windows signature',
        );
        renameSync(`${executable}.unsigned`, executable);
      } else
        log(
          `${target.platform}: neither signtool nor osslsigncode found; node.exe's signature is left in place (invalid after injection)`,
        );
    }
    const postject = join(ROOT, 'node_modules/postject/dist/cli.js');
    const postjectArgs = [postject, executable, 'NODE_SEA_BLOB', join(work, 'sea.blob'), '--sentinel-fuse', SEA_FUSE];
    if (darwin) postjectArgs.push('--macho-segment-name', 'NODE_SEA');
    run(process.execPath, postjectArgs, 'injecting the blob with postject');
    if (darwin && available('codesign'))
      run('codesign', ['--sign', '-', executable], 'ad-hoc signing the macOS executable');

    mkdirSync(cacheDirectory, { recursive: true });
    for (const old of readdirSync(cacheDirectory)) {
      if (old.startsWith(prefix)) rmSync(join(cacheDirectory, old), { force: true });
    }
    // Through a temporary name in the cache directory: a rename across file systems (tmp → dist) fails.
    copyFileSync(executable, `${cached}.${process.pid}.tmp`);
    chmodSync(`${cached}.${process.pid}.tmp`, 0o755);
    renameSync(`${cached}.${process.pid}.tmp`, cached);
    log(
      `${application.name} ${target.platform}: built single executable (code cache ${useCodeCache ? 'on' : 'off: not this platform'})`,
    );
    return cached;
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}
