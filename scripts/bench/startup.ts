/**
 * Provider start → handshake: what Terraform pays 3–5 times per command. Spawns the packaged executable the way
 * Terraform does and times the first stdout line.
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { extname, join } from 'node:path';
import { createServerCertificate } from '../../src/protocol/server-certificate';
import { MAGIC_COOKIE_KEY, MAGIC_COOKIE_VALUE } from '../../src/protocol/handshake';
import { providerExecutable } from '../package';
import { median, type Figure } from './report';

/**
 * The environment both sides of a start-up comparison run with: this process's, without NODE_EXTRA_CA_CERTS.
 * Node 20 reads that file and parses its own ~140 bundled root certificates at every start when it is set
 * (~70 ms on this machine, where the sandbox sets it for the npm registry's proxy), in the baseline as much as in
 * the provider: a constant that large on both sides flattens the ratio toward 1 and hides the provider's own cost.
 * Terraform users rarely set it; the ratio with it set is reported alongside when it is.
 */
export function startupEnvironment(base: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  const env = { ...base };
  delete env.NODE_EXTRA_CA_CERTS;
  return env;
}

/**
 * CPU time the child's main thread has run so far, in ms (Linux: /proc/<pid>/task/<pid>/schedstat, nanoseconds on
 * the CPU), or undefined elsewhere. Start-up is single-threaded up to the handshake line, so this is the work done
 * to reach it; unlike wall time it does not grow with the machine's load, which makes runtimes comparable here.
 */
function mainThreadCpuMs(pid: number | undefined): number | undefined {
  try {
    return Number(readFileSync(`/proc/${pid}/task/${pid}/schedstat`, 'utf8').split(' ')[0]) / 1e6;
  } catch {
    return undefined;
  }
}

/**
 * CPU time all of the child's threads have run so far, in ms (Linux; undefined elsewhere): for a whole schema
 * process, whose TLS, HTTP/2 and schema work after the handshake line also runs on V8's and libuv's threads.
 */
function processCpuMs(pid: number | undefined): number | undefined {
  try {
    let total = 0;
    for (const task of readdirSync(`/proc/${pid}/task`))
      total += Number(readFileSync(`/proc/${pid}/task/${task}/schedstat`, 'utf8').split(' ')[0]) / 1e6;
    return total;
  } catch {
    return undefined;
  }
}

function startOnce(
  executable: string,
  clientCertificatePem: string,
  env: NodeJS.ProcessEnv = startupEnvironment(),
  cpuTimes?: number[],
): Promise<number> {
  return new Promise((resolve, reject) => {
    const started = process.hrtime.bigint();
    const child = spawn(executable, [], {
      env: {
        ...env,
        [MAGIC_COOKIE_KEY]: MAGIC_COOKIE_VALUE,
        PLUGIN_PROTOCOL_VERSIONS: '5,6',
        PLUGIN_CLIENT_CERT: clientCertificatePem,
      },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    child.on('error', reject);
    child.stdout.once('data', (chunk: Buffer) => {
      const elapsed = Number(process.hrtime.bigint() - started) / 1e6;
      const cpu = mainThreadCpuMs(child.pid);
      if (cpu !== undefined) cpuTimes?.push(cpu);
      child.kill('SIGKILL');
      if (!chunk.toString().startsWith('1|6|tcp|'))
        reject(new Error(`unexpected handshake: ${chunk.toString().slice(0, 80)}`));
      else resolve(elapsed);
    });
  });
}

export async function benchStartup(runs = 21): Promise<Figure> {
  const clientCertificate = createServerCertificate().certificatePem;
  const executable = providerExecutable();
  await startOnce(executable, clientCertificate); // warm the file cache
  const times: number[] = [];
  for (let i = 0; i < runs; i++) times.push(await startOnce(executable, clientCertificate));
  return {
    id: 'startup',
    label: `provider start → handshake, median of ${runs}`,
    value: median(times),
    unit: 'ms',
    target: 150,
    note: `min ${Math.min(...times).toFixed(1)} ms, max ${Math.max(...times).toFixed(1)} ms`,
  };
}

/**
 * The Node-script package (npm run package) with its V8 code cache (src/provider-launcher.ts) against the same
 * package compiling afresh, in interleaved rounds: main-thread CPU milliseconds to the handshake line (Linux), and
 * wall time. The cache side runs with a cache directory of its own, filled by a first start; the other side's
 * XDG_CACHE_HOME is a path under a regular file, where the launcher can neither read nor write a cache.
 */
export async function benchStartupCodeCache(runs = 31): Promise<Figure[]> {
  const clientCertificate = createServerCertificate().certificatePem;
  const executable = providerExecutable();
  const directory = mkdtempSync(join(tmpdir(), 'exoform-bench-code-cache-'));
  writeFileSync(join(directory, 'not-a-directory'), '');
  const cached = { ...startupEnvironment(), XDG_CACHE_HOME: join(directory, 'cache') };
  const uncached = { ...startupEnvironment(), XDG_CACHE_HOME: join(directory, 'not-a-directory', 'cache') };
  const cpu = { cached: [] as number[], uncached: [] as number[] };
  const wall = { cached: [] as number[], uncached: [] as number[] };
  try {
    await startOnce(executable, clientCertificate, cached); // writes the cache (and warms the file cache)
    await startOnce(executable, clientCertificate, uncached);
    for (let i = 0; i < runs; i++) {
      const order = i % 2 ? (['cached', 'uncached'] as const) : (['uncached', 'cached'] as const);
      for (const side of order)
        wall[side].push(
          await startOnce(executable, clientCertificate, side === 'cached' ? cached : uncached, cpu[side]),
        );
    }
  } finally {
    rmSync(directory, { recursive: true, force: true });
  }
  const haveCpu = cpu.cached.length === runs && cpu.uncached.length === runs;
  return [
    {
      id: 'startup-code-cache',
      label: `Node-script package start → handshake with its V8 code cache ÷ without, main-thread CPU, medians of ${runs} rounds`,
      value: haveCpu ? median(cpu.cached) / median(cpu.uncached) : median(wall.cached) / median(wall.uncached),
      unit: '×',
      target: null,
      note:
        (haveCpu
          ? `main-thread CPU ${median(cpu.cached).toFixed(1)} ms with the cache, ${median(cpu.uncached).toFixed(1)} ms without; `
          : 'no per-thread CPU time on this platform: the figure is the wall-time ratio; ') +
        `wall ${median(wall.cached).toFixed(1)} ms with, ${median(wall.uncached).toFixed(1)} ms without (Node ${process.version}, without NODE_EXTRA_CA_CERTS)`,
    },
  ];
}

/** Start → first stdout line of `command`, for the bare-Node baseline. */
function firstLine(
  command: string,
  args: string[],
  env: NodeJS.ProcessEnv = startupEnvironment(),
  cpuTimes?: number[],
): Promise<number> {
  return new Promise((resolve, reject) => {
    const started = process.hrtime.bigint();
    const child = spawn(command, args, { env, stdio: ['ignore', 'pipe', 'inherit'] });
    child.on('error', reject);
    child.stdout.once('data', () => {
      resolve(Number(process.hrtime.bigint() - started) / 1e6);
      const cpu = mainThreadCpuMs(child.pid);
      if (cpu !== undefined) cpuTimes?.push(cpu);
      child.kill('SIGKILL');
    });
  });
}

/**
 * The release executable (Node single-executable application) start → handshake, against a bare Node process's
 * start (`node -e` printing one line, the same Node binary the executable is built from) on the same machine:
 * measured in rounds (with the Node-script package as a third candidate), rotating the order, so all see the same
 * load. The figure is the ratio of the medians. Both sides run with `startupEnvironment()`; when this machine sets
 * NODE_EXTRA_CA_CERTS, the release executable and the baseline also run with it in the same rounds, for the note.
 *
 * The release embeds Node 24 (scripts/release/node-runtime.ts). The same provider built on the Node running this
 * script (Node 20 here, past its end of life) runs in the same rounds against its own `node -e`: the
 * "startup-ratio-node20" figure, so the embedded runtime's ratio is compared with Node 20's under the same load.
 * All four run from copies written the same way (wholeWriteCopy), so no side gains or loses by its file's history.
 */
/** The baseline prints its line, then stays alive (killed on that line) so its CPU time can be read there. */
const BARE_SCRIPT = 'console.log(1); setTimeout(() => {}, 10000)';

export async function benchStartupRatio(runs = 31): Promise<Figure[]> {
  const { hostProviderExecutable, hostTarget, providerApplication } = await import('../release');
  const { buildSea, hostPlatform, nodeBinaryVersion } = await import('../release/sea');
  const executable = await hostProviderExecutable();
  const runtime = hostTarget().nodeBinary;
  const oldExecutable = buildSea(
    await providerApplication(),
    { platform: hostPlatform(), nodeBinary: process.execPath },
    { allowEndOfLife: true },
  );
  const clientCertificate = createServerCertificate().certificatePem;
  const copies = mkdtempSync(join(tmpdir(), 'exoform-bench-startup-ratio-'));
  try {
    return await startupRatioRounds(runs, clientCertificate, {
      runtime: wholeWriteCopy(runtime, copies, 'node'),
      executable: wholeWriteCopy(executable, copies, 'release'),
      oldRuntime: wholeWriteCopy(process.execPath, copies, 'old-node'),
      oldExecutable: wholeWriteCopy(oldExecutable, copies, 'old-release'),
      runtimeVersion: nodeBinaryVersion(runtime),
    });
  } finally {
    rmSync(copies, { recursive: true, force: true });
  }
}

/**
 * A copy of `file` in `directory`, written with one whole-file write. How an executable was last written moves its
 * start-up CPU here by 10–20 ms (docs/performance.md, "Node 26 against Node 24 and Node 20"): the release
 * executable comes out of copyFileSync and postject, the npm runtime out of one write, Node 20 from its installer.
 * Every candidate of the ratio runs from such a copy, so both sides of it have the same history.
 */
function wholeWriteCopy(file: string, directory: string, name: string): string {
  const copy = join(directory, name + extname(file)); // keeps .exe on Windows
  writeFileSync(copy, readFileSync(file), { mode: 0o755 });
  return copy;
}

async function startupRatioRounds(
  runs: number,
  clientCertificate: string,
  files: { runtime: string; executable: string; oldRuntime: string; oldExecutable: string; runtimeVersion?: string },
): Promise<Figure[]> {
  const { runtime, executable, oldRuntime, oldExecutable, runtimeVersion } = files;
  // Main-thread CPU milliseconds at the first line, per candidate (Linux only; empty elsewhere).
  const cpu = { bare: [] as number[], release: [] as number[], oldBare: [] as number[], oldRelease: [] as number[] };
  const bare = (): Promise<number> => firstLine(runtime, ['-e', BARE_SCRIPT], undefined, cpu.bare);
  const release = (): Promise<number> => startOnce(executable, clientCertificate, undefined, cpu.release);
  const oldBare = (): Promise<number> => firstLine(oldRuntime, ['-e', BARE_SCRIPT], undefined, cpu.oldBare);
  const oldRelease = (): Promise<number> => startOnce(oldExecutable, clientCertificate, undefined, cpu.oldRelease);
  // The Node-script package (npm run package) in the same rounds, for comparison.
  const script = (): Promise<number> => startOnce(providerExecutable(), clientCertificate);
  const bareTimes: number[] = [];
  const releaseTimes: number[] = [];
  const oldBareTimes: number[] = [];
  const oldReleaseTimes: number[] = [];
  const scriptTimes: number[] = [];
  const candidates: Array<[() => Promise<number>, number[]]> = [
    [bare, bareTimes],
    [release, releaseTimes],
    [oldBare, oldBareTimes],
    [oldRelease, oldReleaseTimes],
    [script, scriptTimes],
  ];
  const extraCa = process.env.NODE_EXTRA_CA_CERTS;
  const bareExtraCaTimes: number[] = [];
  const releaseExtraCaTimes: number[] = [];
  if (extraCa) {
    candidates.push(
      [() => firstLine(runtime, ['-e', BARE_SCRIPT], process.env), bareExtraCaTimes],
      [() => startOnce(executable, clientCertificate, process.env), releaseExtraCaTimes],
    );
  }
  for (const [run] of candidates) await run(); // warm the file cache
  for (const list of Object.values(cpu)) list.length = 0; // the warm-up runs are not counted
  for (let i = 0; i < runs; i++) {
    // Rotate the order every round so no candidate always runs first (or right after another).
    for (let j = 0; j < candidates.length; j++) {
      const [run, times] = candidates[(i + j) % candidates.length];
      times.push(await run());
    }
  }
  const pairRatios = releaseTimes.map((time, i) => time / bareTimes[i]);
  const ratio = median(releaseTimes) / median(bareTimes);
  const oldRatio = median(oldReleaseTimes) / median(oldBareTimes);
  // Wall time under a loaded machine mostly measures the queue for a core; CPU time is the work itself.
  const cpuNote =
    cpu.release.length === runs &&
    cpu.oldRelease.length === runs &&
    cpu.bare.length === runs &&
    cpu.oldBare.length === runs
      ? `; main-thread CPU to the line (medians): Node ${runtimeVersion} ${median(cpu.release).toFixed(1)} ÷ ` +
        `${median(cpu.bare).toFixed(1)} ms = ${(median(cpu.release) / median(cpu.bare)).toFixed(2)}×, ` +
        `Node ${process.version} ${median(cpu.oldRelease).toFixed(1)} ÷ ${median(cpu.oldBare).toFixed(1)} ms = ` +
        `${(median(cpu.oldRelease) / median(cpu.oldBare)).toFixed(2)}×`
      : '';
  const withExtraCa = extraCa
    ? `; with NODE_EXTRA_CA_CERTS as set here: release ${median(releaseExtraCaTimes).toFixed(1)} ms ÷ node -e ${median(bareExtraCaTimes).toFixed(1)} ms = ${(median(releaseExtraCaTimes) / median(bareExtraCaTimes)).toFixed(2)}×`
    : '';
  return [
    {
      id: 'startup-ratio',
      label: `release executable (Node ${runtimeVersion}) start → handshake ÷ its node -e, medians of ${runs} rounds`,
      value: ratio,
      unit: '×',
      target: 1.2,
      note:
        `release executable ${median(releaseTimes).toFixed(1)} ms, node -e ${median(bareTimes).toFixed(1)} ms (both without NODE_EXTRA_CA_CERTS); median of per-round ratios ${median(pairRatios).toFixed(2)}; ` +
        `Node-script package in the same rounds ${median(scriptTimes).toFixed(1)} ms = ${(median(scriptTimes) / median(bareTimes)).toFixed(2)}×${withExtraCa}`,
    },
    {
      id: 'startup-ratio-node20',
      label: `the same provider built on Node ${process.version} ÷ its node -e, in the same rounds`,
      value: oldRatio,
      unit: '×',
      target: null,
      note:
        `Node ${process.version} executable ${median(oldReleaseTimes).toFixed(1)} ms, its node -e ${median(oldBareTimes).toFixed(1)} ms; ` +
        `embedded-runtime ratio ${ratio.toFixed(2)}× vs ${oldRatio.toFixed(2)}× (${ratio <= oldRatio ? 'no worse' : 'worse'}); ` +
        `absolute: ${median(releaseTimes).toFixed(1)} ms vs ${median(oldReleaseTimes).toFixed(1)} ms${cpuNote}`,
    },
  ];
}

/**
 * Run by each runtime in a fresh process: the CPU milliseconds (process.cpuUsage) of each piece of work the
 * provider does before its handshake line that a bare `node -e` does not, in the provider's order. JSON on stdout.
 * Run from a file: under `node -e` node:crypto is loaded before the script starts.
 */
const PIECES_SCRIPT = `
const cpu = () => { const u = process.cpuUsage(); return (u.user + u.system) / 1000; };
const pieces = {}; let mark = cpu();
const lap = (name) => { const now = cpu(); pieces[name] = now - mark; mark = cpu(); };
const net = require('node:net'); lap('net');
const crypto = require('node:crypto'); lap('crypto');
const { privateKey } = crypto.generateKeyPairSync('ec', { namedCurve: 'P-256' });
crypto.sign('sha256', Buffer.alloc(338), privateKey);
privateKey.export({ type: 'pkcs8', format: 'pem' }); lap('certificate');
const server = net.createServer();
const bound = process.argv[2] === 'bound';
server.listen(...(bound ? [new net.BoundSocket({ host: '127.0.0.1', port: 0 })] : [0, '127.0.0.1']), () => {
  lap(bound ? 'listen-bound' : 'listen');
  process.stdout.write(JSON.stringify(pieces));
  server.close();
});`;

/**
 * Where the embedded runtime's start-up differs from Node 20's, piece by piece (docs/performance.md, "Node 24"):
 * require('node:net'), require('node:crypto'), the P-256 key and signature of the certificate, and the listening
 * socket by listen(port, host) and (Node 24 only) by net.BoundSocket. Each runtime runs the pieces in fresh
 * processes, in interleaved rounds; the figures are medians of process CPU time, which the machine's load moves
 * far less than wall time.
 */
export async function benchStartupPieces(runs = 21): Promise<Figure[]> {
  const { hostTarget } = await import('../release');
  const { nodeBinaryVersion } = await import('../release/sea');
  const embedded = hostTarget().nodeBinary;
  const candidates: Array<{ node: string; args: string[]; key: string }> = [
    { node: process.execPath, args: [], key: 'old' },
    { node: embedded, args: [], key: 'new' },
    { node: embedded, args: ['bound'], key: 'new' },
  ];
  const directory = mkdtempSync(join(tmpdir(), 'exoform-startup-pieces-'));
  const script = join(directory, 'pieces.js');
  writeFileSync(script, PIECES_SCRIPT);
  const samples: Record<string, number[]> = {};
  try {
    for (let i = 0; i < runs; i++) {
      for (let j = 0; j < candidates.length; j++) {
        const { node, args, key } = candidates[(i + j) % candidates.length];
        const result = spawnSync(node, [script, ...args], { env: startupEnvironment(), encoding: 'utf8' });
        if (result.status !== 0) throw new Error(`${node} ${script} failed: ${result.stderr}`);
        for (const [piece, ms] of Object.entries(JSON.parse(result.stdout) as Record<string, number>))
          (samples[`${key}:${piece}`] ??= []).push(ms);
      }
    }
  } finally {
    rmSync(directory, { recursive: true, force: true });
  }
  const runtimes = { old: `Node ${process.version}`, new: `Node ${nodeBinaryVersion(embedded)}` };
  const labels: Record<string, string> = {
    net: "require('node:net')",
    crypto: "require('node:crypto')",
    certificate: 'P-256 key, signature and key export',
    listen: "listen(0, '127.0.0.1') to its callback",
    'listen-bound': "net.BoundSocket('127.0.0.1', 0) and listen to its callback",
  };
  return Object.entries(samples).map(([key, values]) => {
    const [runtime, piece] = key.split(':') as ['old' | 'new', string];
    return {
      id: `startup-piece-${piece}-${runtime === 'old' ? 'node20' : 'embedded'}`,
      label: `${labels[piece]}, ${runtimes[runtime]}, median of ${runs}`,
      value: median(values),
      unit: 'ms CPU',
      target: null,
    };
  });
}

/**
 * What Terraform waits for in all before its first answer: release executable start → the first GetProviderSchema
 * answered over mutual TLS (handshake line, TLS connection, HTTP/2, the schema). The provider builds its TLS and
 * HTTP/2 layers and its handler after the handshake line; this figure shows that work is overlapped, not hidden.
 */
export async function benchStartupFirstCall(runs = 21): Promise<Figure[]> {
  const { hostProviderExecutable } = await import('../release');
  const { createClientIdentity, parseHandshakeLine, pluginEnvironment, PluginClient } = await import(
    '../../test/support/plugin-client'
  );
  const executable = await hostProviderExecutable();
  const identity = createClientIdentity();
  const env = { ...startupEnvironment(), ...pluginEnvironment(identity) };
  const once = (): Promise<{ handshake: number; firstCall: number; cpu?: number }> =>
    new Promise((resolve, reject) => {
      const started = process.hrtime.bigint();
      const elapsed = (): number => Number(process.hrtime.bigint() - started) / 1e6;
      const child = spawn(executable, [], { env, stdio: ['ignore', 'pipe', 'inherit'] });
      child.on('error', reject);
      child.stdout.once('data', (chunk: Buffer) => {
        const handshake = elapsed();
        void (async () => {
          const client = await PluginClient.connect(parseHandshakeLine(chunk.toString().split('\n')[0]), { identity });
          try {
            const result = await client.call('/tfplugin6.Provider/GetProviderSchema', {});
            if (result.status !== 0)
              throw new Error(`GetProviderSchema answered gRPC status ${result.status}: ${result.message}`);
            return { handshake, firstCall: elapsed(), cpu: processCpuMs(child.pid) };
          } finally {
            client.close();
          }
        })()
          .then(resolve, reject)
          .finally(() => child.kill('SIGKILL'));
      });
    });
  await once(); // warm the file cache
  const handshakes: number[] = [];
  const firstCalls: number[] = [];
  const cpuTimes: number[] = [];
  for (let i = 0; i < runs; i++) {
    const { handshake, firstCall, cpu } = await once();
    handshakes.push(handshake);
    firstCalls.push(firstCall);
    if (cpu !== undefined) cpuTimes.push(cpu);
  }
  return [
    {
      id: 'startup-first-call',
      label: `release executable start → first GetProviderSchema answered, median of ${runs}`,
      value: median(firstCalls),
      unit: 'ms',
      target: null,
      note:
        `handshake line at ${median(handshakes).toFixed(1)} ms in the same runs (without NODE_EXTRA_CA_CERTS); the client is this Node process` +
        (cpuTimes.length === runs
          ? `; CPU of all the provider's threads at the answer ${median(cpuTimes).toFixed(1)} ms (the whole schema process: work moved after the line still counts here)`
          : ''),
    },
  ];
}
