/**
 * Crash-safe file replacement and a single-writer lock for the state file.
 *
 * Replacement: write a temporary file in the same directory, fsync it, rename it over the target, fsync the directory.
 * rename(2) is atomic within one file system, so a reader (or a restart after kill -9 or power loss) sees either the
 * old complete file or the new complete file, never a mix. The directory fsync makes the rename itself durable.
 */
import { closeSync, openSync, readFileSync, readdirSync, unlinkSync, writeSync } from 'node:fs';
import { open, rename, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { StateFileError } from './state-file';

let tempCounter = 0;

function tempPrefix(path: string): string {
  return `.${basename(path)}.`;
}

export async function writeFileAtomically(path: string, data: string): Promise<void> {
  const directory = dirname(path);
  const temp = join(directory, `${tempPrefix(path)}${process.pid}.${++tempCounter}.tmp`);
  const handle = await open(temp, 'w');
  try {
    await handle.writeFile(data, 'utf8');
    await handle.sync();
  } catch (error) {
    await handle.close().catch(() => undefined);
    await unlink(temp).catch(() => undefined);
    throw error;
  }
  await handle.close();
  try {
    await rename(temp, path);
  } catch (error) {
    await unlink(temp).catch(() => undefined);
    throw error;
  }
  await syncDirectory(directory);
}

export async function syncDirectory(directory: string): Promise<void> {
  let handle;
  try {
    handle = await open(directory, 'r');
    await handle.sync();
  } catch (error) {
    // Windows cannot open or fsync a directory; its rename is already durable enough (MoveFileEx semantics).
    const code = (error as NodeJS.ErrnoException).code;
    if (code !== 'EISDIR' && code !== 'EPERM' && code !== 'EINVAL' && code !== 'EBADF' && code !== 'EACCES')
      throw error;
  } finally {
    await handle?.close();
  }
}

/** Removes temporary files a killed emulator left behind. Only call while holding the lock. */
export function removeStaleTempFiles(path: string): void {
  const prefix = tempPrefix(path);
  let entries: string[];
  try {
    entries = readdirSync(dirname(path));
  } catch {
    return;
  }
  for (const entry of entries) {
    if (entry.startsWith(prefix) && /^\d+\.\d+\.tmp$/.test(entry.slice(prefix.length))) {
      try {
        unlinkSync(join(dirname(path), entry));
      } catch {
        // Another process may have removed it; nothing to do.
      }
    }
  }
}

function processIsAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * `<data>.lock` holds the pid of the emulator using the data file. Two emulators writing one file would silently
 * discard each other's changes, so the second one refuses to start. A lock whose process is gone (kill -9) is taken over.
 */
export class DataFileLock {
  private released = false;

  private constructor(readonly lockPath: string) {}

  static acquire(dataFile: string): DataFileLock {
    const lockPath = `${dataFile}.lock`;
    for (let attempt = 0; attempt < 3; attempt++) {
      try {
        const fd = openSync(lockPath, 'wx');
        writeSync(fd, `${process.pid}\n`);
        closeSync(fd);
        return new DataFileLock(lockPath);
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code;
        if (code !== 'EEXIST') {
          throw new StateFileError(
            dataFile,
            `Cannot create lock file ${lockPath} (${(error as Error).message}). Check that the directory exists and is writable.`,
          );
        }
      }
      let owner = NaN;
      try {
        owner = Number.parseInt(readFileSync(lockPath, 'utf8'), 10);
      } catch {
        // Vanished between our open and read: retry.
      }
      if (Number.isInteger(owner) && owner > 0 && processIsAlive(owner)) {
        throw new StateFileError(
          dataFile,
          `Data file ${dataFile} is in use by another emulator (process ${owner}${owner === process.pid ? ', this process' : ''}). ` +
            `Stop that emulator or choose another --data file. If no emulator is running, delete ${lockPath}.`,
        );
      }
      try {
        unlinkSync(lockPath);
      } catch {
        // Someone else took it over first; the next attempt will tell.
      }
    }
    throw new StateFileError(dataFile, `Could not take the lock ${lockPath}; another process keeps recreating it.`);
  }

  release(): void {
    if (this.released) return;
    this.released = true;
    try {
      unlinkSync(this.lockPath);
    } catch {
      // Already gone: nothing to release.
    }
  }
}
