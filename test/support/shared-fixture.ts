/**
 * Work several test files need the same result of (a signed release, the construct packages), done once per Jest
 * run instead of once per file. The files run in separate worker processes: the first to ask claims the fixture by
 * creating its directory (atomic), builds into it and writes the result; the others wait for that result. The run's
 * shared directory comes from globalSetup (test/global-setup.ts) and goes with globalTeardown. A fixture is
 * read-only for its users: a test that changes a file copies it into its own directory first.
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Set by globalSetup; the workers inherit it. */
export const SHARED_DIRECTORY_VARIABLE = 'EXOFORM_TEST_SHARED_DIR';

/** What globalSetup keeps in Jest's parent process for globalTeardown and its own second call. */
export const RUN_STATE = Symbol.for('exoform.test.run');
export interface RunState {
  shared: string;
  packaged: Promise<unknown>;
}

const POLL_MS = 200;

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * The result of `build` for this run, built by whichever file asks first. `build` gets an empty directory of its
 * own and returns a JSON-serialisable result (paths into that directory). Its error, if any, is every caller's.
 */
export async function sharedFixture<T>(name: string, build: (directory: string) => T | Promise<T>): Promise<T> {
  const shared = process.env[SHARED_DIRECTORY_VARIABLE];
  // Without globalSetup (a project that has none), nothing is shared: build privately.
  if (!shared) return build(mkdtempSync(join(tmpdir(), `exoform-${name}-`)));
  const directory = join(shared, name);
  const resultFile = join(directory, '.result.json');
  const errorFile = join(directory, '.error.txt');
  const ownerFile = join(directory, '.owner');
  let claimed = false;
  try {
    mkdirSync(directory);
    claimed = true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  }
  if (claimed) {
    writeFileSync(ownerFile, String(process.pid));
    const work = join(directory, 'fixture');
    mkdirSync(work);
    try {
      const result = await build(work);
      writeFileSync(resultFile, JSON.stringify(result));
      return result;
    } catch (error) {
      writeFileSync(errorFile, error instanceof Error ? (error.stack ?? error.message) : String(error));
      throw error;
    }
  }
  for (;;) {
    if (existsSync(resultFile)) return JSON.parse(readFileSync(resultFile, 'utf8')) as T;
    if (existsSync(errorFile)) throw new Error(`shared fixture ${name} failed:\n${readFileSync(errorFile, 'utf8')}`);
    const owner = existsSync(ownerFile) ? Number(readFileSync(ownerFile, 'utf8')) : 0;
    if (owner && !alive(owner) && !existsSync(resultFile) && !existsSync(errorFile)) {
      throw new Error(`shared fixture ${name}: the worker building it (pid ${owner}) ended without a result`);
    }
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
}
