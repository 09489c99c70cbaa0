/**
 * Runs a child process to its end and collects its output: the one copy of the spawn-and-collect lines that test
 * files and helpers shared. A module of its own, free of the provider's modules, so a test that only runs a script
 * does not load them.
 */
import { spawn } from 'node:child_process';

/** What a finished child process left: its exit code (-1 when a signal ended it), the signal, and its output. */
export interface ProcessResult {
  code: number;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export interface RunProcessOptions {
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  /** The child is killed and the promise rejects, with the output so far, after this long. */
  timeoutMs?: number;
}

/**
 * `env` without NODE_EXTRA_CA_CERTS, for children that reach only loopback servers (the emulator, the packaged
 * mirror, a test database): terraform and the provider processes it starts, cdktf, the GitOps scripts. Node 20
 * parses the bundle that variable names at every start, about 50 ms of CPU, and a test run starts thousands of
 * provider processes. A machine's extra CAs play no part in these runs; npm, which may need them, keeps them.
 */
export function loopbackEnvironment(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const { NODE_EXTRA_CA_CERTS: _extraCas, ...rest } = env;
  return rest;
}

/** Runs an executable with arguments and collects its output, bounded by timeoutMs (15 s unless given). */
export function runProcess(
  executable: string,
  args: readonly string[],
  { cwd, env, timeoutMs = 15_000 }: RunProcessOptions = {},
): Promise<ProcessResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(executable, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => (stdout += chunk));
    child.stderr.on('data', (chunk) => (stderr += chunk));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(
        new Error(`${executable} did not exit within ${timeoutMs} ms\n--- stdout\n${stdout}\n--- stderr\n${stderr}`),
      );
    }, timeoutMs);
    child.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code: code ?? -1, signal, stdout, stderr });
    });
  });
}
