/**
 * src/provider-launcher.ts, built with esbuild as scripts/package.ts builds it, runs a small bundle in real node
 * child processes: the first start writes the V8 code cache, the next one uses it (V8 accepts it, so the launcher
 * leaves the file alone), and a corrupt, foreign or unwritable cache never stops the bundle from running.
 * The packaged provider's own cache is checked in test/protocol/startup-modules.test.ts.
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  chmodSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  statSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bundle } from '../scripts/package';
import { PROVIDER_BUNDLE, codeCacheDirectory } from '../src/provider-launcher';

// Stands in for the provider bundle: CommonJS with require, module, __dirname and a side file, as esbuild emits it.
const BUNDLE = `"use strict";
const side = require(require('node:path').join(__dirname, 'side.js'));
module.exports = { side };
function square(n) { return n * n; }
process.stdout.write(JSON.stringify({ side, square: square(7), dirname: __dirname, exportsSet: module.exports.side === side }) + '\\n');
`;

describe('provider launcher', () => {
  let directory: string;
  let packageDirectory: string;
  let launcher: string;

  beforeAll(async () => {
    directory = mkdtempSync(join(tmpdir(), 'exoform-launcher-'));
    packageDirectory = join(directory, 'package');
    mkdirSync(packageDirectory);
    launcher = join(packageDirectory, 'terraform-provider-exchangeonline_v0.0.1');
    writeFileSync(launcher, await bundle('src/provider-launcher.ts', '#!/usr/bin/env node'), { mode: 0o755 });
    writeFileSync(join(packageDirectory, PROVIDER_BUNDLE), BUNDLE);
    writeFileSync(join(packageDirectory, 'side.js'), 'module.exports = "beside";');
  });
  afterAll(() => rmSync(directory, { recursive: true, force: true }));

  function start(cacheHome: string): {
    output: { side: string; square: number; dirname: string; exportsSet: boolean };
  } {
    const result = spawnSync(process.execPath, [launcher], {
      env: { PATH: process.env.PATH, HOME: join(directory, 'no-home'), XDG_CACHE_HOME: cacheHome },
      encoding: 'utf8',
    });
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    return { output: JSON.parse(result.stdout) };
  }

  const cacheFiles = (cacheHome: string): string[] => {
    try {
      return readdirSync(join(cacheHome, 'exoform'));
    } catch {
      return [];
    }
  };

  /** The file's first 32 bytes are the SHA-256 of the rest. */
  const intact = (file: string): boolean => {
    const content = readFileSync(file);
    return createHash('sha256').update(content.subarray(32)).digest().equals(content.subarray(0, 32));
  };

  const expectRan = (output: ReturnType<typeof start>['output']): void =>
    expect(output).toEqual({ side: 'beside', square: 49, dirname: packageDirectory, exportsSet: true });

  test('the first start writes the cache for this bundle and Node; the next start uses it unchanged', () => {
    const cacheHome = join(directory, 'cache-reuse');
    expectRan(start(cacheHome).output);
    const files = cacheFiles(cacheHome);
    expect(files).toHaveLength(1);
    expect(files[0]).toMatch(new RegExp(`^provider-[0-9a-f]{32}-${process.version}-${process.arch}\\.v8cache$`));
    const file = join(cacheHome, 'exoform', files[0]);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(statSync(join(cacheHome, 'exoform')).mode & 0o777).toBe(0o700);
    const before = statSync(file);

    expectRan(start(cacheHome).output);
    // A rejected cache would have been written again, through a new file (new inode).
    const after = statSync(file);
    expect(after.ino).toBe(before.ino);
    expect(after.mtimeMs).toBe(before.mtimeMs);
    expect(cacheFiles(cacheHome)).toEqual(files);
  });

  test('a corrupt cache file is not used: the bundle runs and the file is written again', () => {
    const cacheHome = join(directory, 'cache-corrupt');
    start(cacheHome);
    const file = join(cacheHome, 'exoform', cacheFiles(cacheHome)[0]);
    const good = readFileSync(file);
    const corrupt = Buffer.from(good);
    corrupt[corrupt.length - 100] ^= 0xff;
    writeFileSync(file, corrupt);
    expectRan(start(cacheHome).output);
    expect(intact(file)).toBe(true);

    writeFileSync(file, good.subarray(0, 10)); // shorter than its digest
    expectRan(start(cacheHome).output);
    expect(intact(file)).toBe(true);
    const rewritten = statSync(file).ino;
    expectRan(start(cacheHome).output);
    expect(statSync(file).ino).toBe(rewritten); // and V8 accepts the rewritten one
  });

  test('another bundle gets its own cache file', () => {
    const cacheHome = join(directory, 'cache-other-bundle');
    start(cacheHome);
    const original = readFileSync(join(packageDirectory, PROVIDER_BUNDLE), 'utf8');
    try {
      writeFileSync(join(packageDirectory, PROVIDER_BUNDLE), `${original}// rebuilt\n`);
      expectRan(start(cacheHome).output);
      expect(cacheFiles(cacheHome)).toHaveLength(2);
    } finally {
      writeFileSync(join(packageDirectory, PROVIDER_BUNDLE), original);
    }
  });

  test('cache files and left-over temporary files older than 30 days are removed when a new one is written', () => {
    const cacheHome = join(directory, 'cache-stale');
    mkdirSync(join(cacheHome, 'exoform'), { recursive: true, mode: 0o700 });
    const stale = join(cacheHome, 'exoform', `provider-${'0'.repeat(32)}-v0.0.0-x64.v8cache`);
    const recent = join(cacheHome, 'exoform', `provider-${'1'.repeat(32)}-v0.0.0-x64.v8cache`);
    const leftOver = `${stale}.4242.tmp`; // a provider killed while writing
    writeFileSync(stale, 'old');
    writeFileSync(leftOver, 'half');
    writeFileSync(recent, 'new');
    const longAgo = new Date(Date.now() - 31 * 24 * 3600 * 1000);
    utimesSync(stale, longAgo, longAgo);
    utimesSync(leftOver, longAgo, longAgo);
    expectRan(start(cacheHome).output);
    const left = cacheFiles(cacheHome);
    expect(left).toHaveLength(2);
    expect(left).toContain(recent.split('/').pop());
    expect(left.some((name) => name.includes(`-${process.version}-`))).toBe(true);
    expect(cacheFiles(cacheHome)).not.toContain(stale.split('/').pop());
    expect(cacheFiles(cacheHome)).not.toContain(leftOver.split('/').pop());
  });

  test('a cache directory others may write is neither read nor written', () => {
    const cacheHome = join(directory, 'cache-shared');
    mkdirSync(join(cacheHome, 'exoform'), { recursive: true });
    chmodSync(join(cacheHome, 'exoform'), 0o777);
    expectRan(start(cacheHome).output);
    expect(cacheFiles(cacheHome)).toEqual([]);
  });

  test('an unusable cache location only costs the cache', () => {
    const notADirectory = join(directory, 'a-file');
    writeFileSync(notADirectory, '');
    expectRan(start(join(notADirectory, 'cache')).output);
    // No home and no XDG_CACHE_HOME: no cache at all.
    const result = spawnSync(process.execPath, [launcher], { env: { PATH: process.env.PATH }, encoding: 'utf8' });
    expect(result.status).toBe(0);
    expectRan(JSON.parse(result.stdout));
  });

  test('the cache directory follows XDG_CACHE_HOME, else the per-user cache under HOME', () => {
    expect(codeCacheDirectory({ XDG_CACHE_HOME: '/x/cache', HOME: '/home/u' })).toBe('/x/cache/exoform');
    expect(codeCacheDirectory({ HOME: '/home/u' })).toBe(
      process.platform === 'darwin' ? '/home/u/Library/Caches/exoform' : '/home/u/.cache/exoform',
    );
    expect(codeCacheDirectory({})).toBeUndefined();
  });
});
