/**
 * Test helpers for the emulator: start it in-process or as the real CLI child process, and talk to it over real HTTP.
 */
import { ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildSync } from 'esbuild';
import { EmulatorOptions, RunningEmulator, startEmulator } from '../../src/emulator';

export const TOKEN = 'test-token-0123456789';
export const REPO = join(__dirname, '..', '..');
export const BIN = join(REPO, 'bin', 'exoform.js');
/** Child processes run the current sources, not a dist/cli.js that may have been built from older ones. */
const FROM_SOURCE = { ...process.env, EXOFORM_CLI_FROM_SOURCE: '1' };

export interface HttpAnswer<T = any> {
  status: number;
  headers: Headers;
  body: T;
}

export function tempDir(prefix = 'exoform-emu-test-'): { path: string; remove(): void } {
  const path = mkdtempSync(join(tmpdir(), prefix));
  return { path, remove: () => rmSync(path, { recursive: true, force: true }) };
}

export async function request<T = any>(
  url: string,
  init: {
    method?: string;
    body?: unknown;
    rawBody?: string;
    token?: string | null;
    headers?: Record<string, string>;
    timeoutMs?: number;
  } = {},
): Promise<HttpAnswer<T>> {
  const headers: Record<string, string> = { 'content-type': 'application/json', ...init.headers };
  const token = init.token === undefined ? TOKEN : init.token;
  if (token !== null) headers.authorization = `Bearer ${token}`;
  const response = await fetch(url, {
    method: init.method ?? 'POST',
    headers,
    body: init.rawBody ?? (init.body === undefined ? undefined : JSON.stringify(init.body)),
    // A hung request must fail the test with a message, not run into the test timeout.
    signal: AbortSignal.timeout(init.timeoutMs ?? 30_000),
  });
  const text = await response.text();
  return { status: response.status, headers: response.headers, body: text ? JSON.parse(text) : undefined };
}

export function cmdletBody(name: string, parameters: Record<string, unknown> = {}): object {
  return { CmdletInput: { CmdletName: name, Parameters: parameters } };
}

/** A started in-process emulator plus shortcuts. */
export class TestEmulator {
  private constructor(
    readonly emulator: RunningEmulator,
    private readonly dir?: { remove(): void },
  ) {}

  static async start(options: EmulatorOptions = {}, dir?: { remove(): void }): Promise<TestEmulator> {
    return new TestEmulator(await startEmulator({ token: TOKEN, seed: 'demo', ...options }), dir);
  }

  get url(): string {
    return this.emulator.url;
  }

  invoke<T = any>(
    tenant: string,
    name: string,
    parameters: Record<string, unknown> = {},
    headers?: Record<string, string>,
  ): Promise<HttpAnswer<T>> {
    return request<T>(`${this.url}/adminapi/beta/${encodeURIComponent(tenant)}/InvokeCommand`, {
      body: cmdletBody(name, parameters),
      headers,
    });
  }

  inspect<T = any>(method: string, path: string, body?: unknown): Promise<HttpAnswer<T>> {
    return request<T>(`${this.url}/_emulator/${path}`, { method, body });
  }

  async close(): Promise<void> {
    await this.emulator.close();
    this.dir?.remove();
  }
}

export interface CliChild {
  child: ChildProcess;
  url: string;
  stdout(): string;
  stderr(): string;
  /** Resolves with the exit code (null when killed by a signal) and the signal. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** Runs `node bin/exoform.js <args>` and waits until it printed its first stdout line (the URL). */
export function spawnCli(args: string[], timeoutMs = 20_000): Promise<CliChild> {
  return spawnNode([BIN, ...args], timeoutMs);
}

/**
 * The CLI as packaged (dist/cli.js, one bundled file: a start costs about a third less CPU than the sources through
 * tsx). Only for the acceptance tier, whose globalSetup has just built it from the current sources.
 */
export function spawnPackagedCli(args: string[], timeoutMs = 20_000): Promise<CliChild> {
  return spawnNode([join(REPO, 'dist', 'cli.js'), ...args], timeoutMs);
}

/**
 * Runs `crash-child.ts` (an in-process emulator with the given options, from source) the same way: for kill -9
 * tests that need options the CLI has no flag for, such as a tiny journal compaction limit.
 */
export function spawnEmulatorChild(options: EmulatorOptions, timeoutMs = 20_000): Promise<CliChild> {
  return spawnNode([crashChildBundle(), JSON.stringify(options)], timeoutMs);
}

let crashChild: string | undefined;

/**
 * crash-child.ts and the emulator sources it imports, bundled once per test file by esbuild (a fraction of a
 * second): the kill -9 rounds start it about twenty times, and through tsx each start compiled the emulator's
 * sources again (about 0.8 s of CPU). The bundle is built from the current sources, like tsx would run them.
 */
function crashChildBundle(): string {
  if (crashChild) return crashChild;
  const directory = tempDir('exoform-crash-child-');
  process.once('exit', () => directory.remove());
  const outfile = join(directory.path, 'crash-child.js');
  buildSync({
    entryPoints: [join(__dirname, 'crash-child.ts')],
    outfile,
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    logLevel: 'warning',
  });
  crashChild = outfile;
  return outfile;
}

function spawnNode(args: string[], timeoutMs: number): Promise<CliChild> {
  const child = spawn(process.execPath, args, { cwd: REPO, env: FROM_SOURCE, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on('exit', (code, signal) => resolve({ code, signal })),
  );
  return new Promise((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`CLI printed no URL within ${timeoutMs} ms. stderr: ${err}`)),
      timeoutMs,
    );
    child.stderr!.on('data', (chunk: Buffer) => (err += chunk.toString()));
    child.stdout!.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const newline = out.indexOf('\n');
      if (newline >= 0) {
        clearTimeout(timer);
        resolve({ child, url: out.slice(0, newline), stdout: () => out, stderr: () => err, exited });
      }
    });
    void exited.then(({ code }) => {
      clearTimeout(timer);
      reject(new Error(`CLI exited with ${code} before printing a URL. stderr: ${err}`));
    });
  });
}

/** Runs the CLI to completion (for commands that exit by themselves). */
export function runCli(
  args: string[],
  options: { fromSource?: boolean } = {},
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const env = options.fromSource === false ? process.env : FROM_SOURCE;
  const child = spawn(process.execPath, [BIN, ...args], { cwd: REPO, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
  return new Promise((resolve) => child.on('close', (code) => resolve({ code, stdout, stderr })));
}

export const DEMO = 'contoso.onmicrosoft.com';
