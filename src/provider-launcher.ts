/**
 * The development package's provider executable (scripts/package.ts): runs the provider bundle beside it
 * (exoform-provider.js, the start up to the handshake line) and, when that requires it right after the line, the
 * provider core (exoform-provider-core.js), each with a V8 code cache, so a start skips parsing and compiling them.
 * Terraform starts the provider 3–5 times per command (docs/performance.md, "Measured in this change (provider
 * start-up)" and "Measured in this change (start-up, split bundle)").
 *
 * The caches live in a per-user cache directory, one file per bundle content and Node version:
 * `<cache>/exoform/provider-<sha256 of the bundle>-<node version>-<arch>.v8cache`, holding the SHA-256 of the V8
 * data and the data. It is used only when the directory belongs to this user and nobody else may write it, the
 * digest matches and V8 accepts it (V8 itself checks its version, flags and the source's length). Anything else
 * (no home, an unwritable or foreign directory, a corrupt or stale file) just compiles as usual. A miss writes a
 * bundle's cache right after the bundle's synchronous start (the main bundle's before the handshake line, the core's
 * after it): the compiled code then includes what the start ran, and the provider has not yet changed V8's flags
 * (src/provider-core.ts, leanHeap), which would make V8 reject the cache at the next start.
 *
 * Release executables carry their own code cache (scripts/release/sea.ts) and do not use this file.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, readdirSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire, wrap } from 'node:module';
import { dirname, join } from 'node:path';
import { Script } from 'node:vm';

/** The provider bundle's file name, next to this executable. */
export const PROVIDER_BUNDLE = 'exoform-provider.js';
/**
 * The provider proper, beside it too (src/provider-core.ts): the provider bundle requires it right after the
 * handshake line, and it runs from a code cache of its own, written (on a miss) before the provider changes V8's flags.
 */
export const PROVIDER_CORE_BUNDLE = 'exoform-provider-core.js';

/** Cache files older than this are removed when a new one is written (each rebuild of the bundle makes one). */
const STALE_MS = 30 * 24 * 3600 * 1000;
const DIGEST_BYTES = 32;

/** `$XDG_CACHE_HOME/exoform`, else the platform's per-user cache directory; undefined without a home. */
export function codeCacheDirectory(env: NodeJS.ProcessEnv = process.env): string | undefined {
  if (env.XDG_CACHE_HOME) return join(env.XDG_CACHE_HOME, 'exoform');
  if (!env.HOME) return undefined;
  return join(env.HOME, process.platform === 'darwin' ? 'Library/Caches' : '.cache', 'exoform');
}

/** Only a directory of this user's that nobody else may write: its cache decides what code runs. */
function trustedDirectory(directory: string): boolean {
  try {
    const stat = statSync(directory);
    return stat.isDirectory() && stat.uid === process.getuid?.() && (stat.mode & 0o022) === 0;
  } catch {
    return false;
  }
}

function sha256(data: Buffer | string): Buffer {
  return createHash('sha256').update(data).digest();
}

function readCache(file: string): Buffer | undefined {
  try {
    const content = readFileSync(file);
    const data = content.subarray(DIGEST_BYTES);
    return content.length > DIGEST_BYTES && sha256(data).equals(content.subarray(0, DIGEST_BYTES)) ? data : undefined;
  } catch {
    return undefined;
  }
}

/** Serializes the compiled code (`data`) only once the directory is known to be usable: that takes milliseconds. */
function writeCache(directory: string, file: string, data: () => Buffer): void {
  const temporary = `${file}.${process.pid}.tmp`;
  try {
    mkdirSync(directory, { recursive: true, mode: 0o700 });
    if (!trustedDirectory(directory)) return;
    const now = Date.now();
    for (const name of readdirSync(directory)) {
      const path = join(directory, name);
      // Old caches, and temporary files a killed provider left behind.
      if (/\.v8cache(\.\d+\.tmp)?$/.test(name) && now - statSync(path).mtimeMs > STALE_MS)
        rmSync(path, { force: true });
    }
    // Through a temporary file and a rename: providers start in parallel, and none may read half a file.
    const compiled = data();
    writeFileSync(temporary, Buffer.concat([sha256(compiled), compiled]), { mode: 0o600 });
    renameSync(temporary, file);
  } catch {
    // An unwritable cache costs the next start its compile time, nothing else.
    try {
      rmSync(temporary, { force: true });
    } catch {
      // No directory: no temporary file either.
    }
  }
}

/**
 * Compiles and runs the bundle at `bundlePath` as a CommonJS module, with the code cache where it can, and returns
 * its exports. The bundle's `require` of the provider core beside it goes through here too.
 */
export function launch(bundlePath: string, env: NodeJS.ProcessEnv = process.env): unknown {
  const source = readFileSync(bundlePath, 'utf8');
  const directory = codeCacheDirectory(env);
  const file =
    directory &&
    join(
      directory,
      `provider-${sha256(source).toString('hex').slice(0, 32)}-${process.version}-${process.arch}.v8cache`,
    );
  const cachedData = file && trustedDirectory(directory) ? readCache(file) : undefined;
  const script = new Script(wrap(source), { filename: bundlePath, cachedData });
  const bundleModule = { exports: {} };
  const nodeRequire = createRequire(bundlePath);
  const core = join(dirname(bundlePath), PROVIDER_CORE_BUNDLE);
  const bundleRequire = Object.assign(
    (id: string): unknown => (id === core ? launch(core, env) : nodeRequire(id)),
    nodeRequire,
  );
  script
    .runInThisContext()
    .call(bundleModule.exports, bundleModule.exports, bundleRequire, bundleModule, bundlePath, dirname(bundlePath));
  if (file && (!cachedData || script.cachedDataRejected)) writeCache(directory, file, () => script.createCachedData());
  return bundleModule.exports;
}

if (require.main === module) launch(join(__dirname, PROVIDER_BUNDLE));
