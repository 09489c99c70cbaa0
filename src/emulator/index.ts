/**
 * The Exchange Online emulator's programmatic entry point:
 *
 *   const emulator = await startEmulator({ seed: 'demo' });
 *   // point the provider or bridge at emulator.url with emulator.token
 *   await emulator.close();
 *
 * The CLI (`exoform emulator`) is a thin wrapper around this.
 */
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { resolve } from 'node:path';
import { Dialect, parseDialect } from './answer-forms';
import { DEFAULT_LATENCY, EmulatorControl, LatencySettings, TenantSummary, validateLatency } from './control';
import { FixtureDocument, readFixtureFile, validateFixture } from './fixture';
import { DEMO_FIXTURE } from './seed';
import { WireServer } from './server';
import { SeedRecord } from './state-file';
import { TenantStore } from './tenant-store';

export interface EmulatorOptions {
  /** Interface to listen on. @default '127.0.0.1' */
  host?: string;
  /** @default 0 (any free port) */
  port?: number;
  /** The state file. Without it, state lives in memory only and is lost on close. */
  dataFile?: string;
  /**
   * `'demo'`, a path to a fixture JSON file, or a fixture object. Used only when the data file does not exist yet.
   * @default 'demo'
   */
  seed?: 'demo' | string | FixtureDocument;
  /** The bearer token clients must send. @default a random token */
  token?: string;
  latency?: Partial<LatencySettings>;
  /** How long an unfinished paged listing is kept after its last page request. @default 10 minutes */
  cursorTtlMs?: number;
  /** Progress lines (seeded, resumed, seed ignored, ...). @default discard */
  log?: (line: string) => void;
  /**
   * The journal of changes is folded into a new state file once it is larger than this many bytes.
   * @default 16 MiB or the state file's size, whichever is larger
   */
  journalCompactBytes?: number;
  /**
   * Answer dialect: `strictest`, or forms such as `json-details,page-warnings,strict-batch,redirect` (answer-forms.ts,
   * FIDELITY.md "Answer forms"). @default the default forms (pipe-form errors, no extras)
   */
  dialect?: string | readonly string[];
}

export interface RunningEmulator {
  /** `http://host:port`, no trailing slash. */
  readonly url: string;
  /**
   * The tenant-specific host (a second loopback address on the same port) that redirects lead to, or undefined when
   * it could not listen (a non-IPv4-loopback host, or the address taken).
   */
  readonly tenantHostUrl: string | undefined;
  readonly dialect: Dialect;
  readonly token: string;
  readonly host: string;
  readonly port: number;
  readonly dataFile: string | undefined;
  /** Direct access to state, faults, call log and latency for in-process tests (same as the /_emulator/ API). */
  readonly control: EmulatorControl;
  tenants(): TenantSummary[];
  /** Stops listening, waits until every acknowledged change is on disk, releases the data file. Safe to call twice. */
  close(): Promise<void>;
}

export function resolveSeed(seed: EmulatorOptions['seed']): SeedRecord {
  if (seed === undefined || seed === 'demo') return { source: 'demo', fixture: DEMO_FIXTURE };
  if (typeof seed === 'string') {
    const path = resolve(seed);
    return { source: path, fixture: readFixtureFile(path) };
  }
  return { source: 'inline', fixture: validateFixture(seed, 'passed to startEmulator') };
}

export async function startEmulator(options: EmulatorOptions = {}): Promise<RunningEmulator> {
  const host = options.host ?? '127.0.0.1';
  const token = options.token ?? randomBytes(24).toString('base64url');
  if (token.trim() === '' || /\s/.test(token))
    throw new Error('The emulator token must be non-empty and contain no whitespace.');
  const latency = validateLatency({ ...options.latency }, DEFAULT_LATENCY);
  const dialect = parseDialect(options.dialect);
  const dataFile = options.dataFile === undefined ? undefined : resolve(options.dataFile);
  const store = await TenantStore.open({
    dataFile,
    loadSeed: () => resolveSeed(options.seed),
    explicitSeed: options.seed === undefined ? undefined : typeof options.seed === 'string' ? options.seed : 'object',
    log: options.log,
    journalCompactBytes: options.journalCompactBytes,
  });
  const control = new EmulatorControl(store, latency, options.cursorTtlMs, dialect);
  const wire = new WireServer(control, token);

  try {
    wire.server.listen(options.port ?? 0, host);
    await once(wire.server, 'listening');
  } catch (error) {
    await store.close();
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EADDRINUSE')
      throw new Error(
        `Port ${options.port} on ${host} is already in use. Choose another port, or 0 for any free port.`,
      );
    if (code === 'EADDRNOTAVAIL') throw new Error(`Cannot listen on ${host}: no such address on this machine.`);
    throw error;
  }
  const address = wire.server.address();
  const port = address && typeof address === 'object' ? address.port : (options.port ?? 0);
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
  const tenantHostUrl = await listenOnTenantHost(wire, host, port);
  if (tenantHostUrl === undefined && dialect.has('redirect')) {
    wire.server.close();
    await store.close();
    throw new Error(
      `The redirect dialect needs a tenant-specific host: listen on an IPv4 loopback address such as 127.0.0.1 (the emulator adds 127.0.0.2 on port ${port}), with that address and port free.`,
    );
  }

  let closing: Promise<void> | undefined;
  return {
    url,
    tenantHostUrl,
    dialect,
    token,
    host,
    port,
    dataFile,
    control,
    tenants: () => control.tenantSummaries(),
    close: () =>
      (closing ??= (async () => {
        const closed = new Promise<void>((done) => wire.server.close(() => done()));
        const tenantHostClosed = wire.tenantHostServer.listening
          ? new Promise<void>((done) => wire.tenantHostServer.close(() => done()))
          : Promise.resolve();
        // Latency timers of requests in flight are cleared now, not left to fire into a closed emulator.
        wire.abortAll();
        wire.server.closeAllConnections();
        wire.tenantHostServer.closeAllConnections();
        await closed;
        await tenantHostClosed;
        await store.close();
      })()),
  };
}

/**
 * Listens on the tenant-specific host: the next loopback address on the endpoint's port (127.0.0.1 → 127.0.0.2), the
 * loopback stand-in for https://{prefix}.outlook.office365.com. Undefined when the endpoint is not on IPv4 loopback or
 * the address cannot be bound.
 */
async function listenOnTenantHost(wire: WireServer, host: string, port: number): Promise<string | undefined> {
  const match = /^127\.(\d+)\.(\d+)\.(\d+)$/.exec(host);
  if (!match || host === '127.255.255.255') return undefined;
  const last = Number(match[3]);
  const tenantHost = `127.${match[1]}.${match[2]}.${last >= 254 ? 1 : last + 1}`;
  try {
    wire.tenantHostServer.listen(port, tenantHost);
    await once(wire.tenantHostServer, 'listening');
  } catch {
    return undefined;
  }
  wire.tenantHostBaseUrl = `http://${tenantHost}:${port}`;
  return wire.tenantHostBaseUrl;
}

export type { EmulatorControl, LatencySettings, TenantSummary } from './control';
export type { FixtureDocument } from './fixture';
export { FixtureError } from './fixture';
export { StateFileError } from './state-file';
export { readPersistedState } from './journal';
export { resolveRecipient } from './recipients';
export { DEMO_FIXTURE, DEMO_TENANT_ID } from './seed';
