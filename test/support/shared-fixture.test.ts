/**
 * test/support/shared-fixture.ts: several files asking for one fixture get one build. Jest's workers are separate
 * processes; two callers in one process meet the same directory claim, and an ended process stands in for a worker
 * that died while building.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SHARED_DIRECTORY_VARIABLE, sharedFixture } from './shared-fixture';

let shared: string;
const saved = process.env[SHARED_DIRECTORY_VARIABLE];
beforeEach(() => {
  shared = mkdtempSync(join(tmpdir(), 'exoform-shared-fixture-test-'));
  process.env[SHARED_DIRECTORY_VARIABLE] = shared;
});
afterEach(() => {
  rmSync(shared, { recursive: true, force: true });
  if (saved === undefined) delete process.env[SHARED_DIRECTORY_VARIABLE];
  else process.env[SHARED_DIRECTORY_VARIABLE] = saved;
});

test('callers at the same time get one build and the same result, in the run directory', async () => {
  let builds = 0;
  const build = async (directory: string): Promise<{ file: string }> => {
    builds++;
    await new Promise((resolve) => setTimeout(resolve, 300)); // the others must wait, not build
    writeFileSync(join(directory, 'made'), 'x');
    return { file: join(directory, 'made') };
  };
  const results = await Promise.all([sharedFixture('thing', build), sharedFixture('thing', build)]);
  expect(builds).toBe(1);
  expect(results[1]).toEqual(results[0]);
  expect(results[0].file.startsWith(join(shared, 'thing'))).toBe(true);
  expect(await sharedFixture('thing', build)).toEqual(results[0]);
  expect(builds).toBe(1);
});

test("a failed build is every caller's error, naming the fixture", async () => {
  const failing = (): never => {
    throw new Error('npm pack failed');
  };
  const [first, second] = await Promise.allSettled([
    sharedFixture('broken', failing),
    sharedFixture('broken', failing),
  ]);
  expect(first).toMatchObject({ status: 'rejected', reason: { message: 'npm pack failed' } });
  expect(second).toMatchObject({ status: 'rejected' });
  expect(String((second as PromiseRejectedResult).reason.message)).toMatch(
    /shared fixture broken failed:\n[\s\S]*npm pack failed/,
  );
});

test('a builder that ended without a result is an error, not a wait without end', async () => {
  const ended = spawnSync(process.execPath, ['-e', '']).pid!;
  mkdirSync(join(shared, 'orphan'));
  writeFileSync(join(shared, 'orphan', '.owner'), String(ended));
  await expect(sharedFixture('orphan', () => 'never built')).rejects.toThrow(
    new RegExp(`shared fixture orphan: the worker building it \\(pid ${ended}\\) ended without a result`),
  );
});

test('without a run directory (no globalSetup) each caller builds its own', async () => {
  delete process.env[SHARED_DIRECTORY_VARIABLE];
  const directories = await Promise.all([sharedFixture('own', (d) => d), sharedFixture('own', (d) => d)]);
  expect(directories[0]).not.toBe(directories[1]);
  for (const directory of directories) rmSync(directory, { recursive: true, force: true });
});
