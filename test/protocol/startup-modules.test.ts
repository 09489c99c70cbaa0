/**
 * What the packaged provider loads before its handshake line: Terraform waits for that line 3–5 times per command,
 * so TLS, HTTP/2 and HTTPS (~20 ms of Node's own modules, and a TLS context that makes Node 20 parse its root
 * certificates) come after it. The real packaged provider runs under node with a preload that records
 * `process.moduleLoadList` when the handshake line is written to stdout; then a client connects over mutual TLS, so the layers
 * built after the line are shown to be there when Terraform dials.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { providerExecutable } from '../../scripts/package';
import { fetchRuntime } from '../../scripts/release/node-runtime';
import { PROVIDER_BUNDLE, PROVIDER_CORE_BUNDLE } from '../../src/provider-launcher';
import {
  childBaseEnvironment,
  createClientIdentity,
  parseHandshakeLine,
  pluginEnvironment,
  PluginClient,
  spawnProvider,
  within,
} from '../support/plugin-client';

const MARKER = 'MODULES-AT-HANDSHAKE ';

describe('provider start-up', () => {
  let directory: string;
  beforeAll(() => {
    directory = mkdtempSync(join(tmpdir(), 'exoform-startup-modules-'));
    writeFileSync(
      join(directory, 'record-modules.js'),
      // The provider writes its line to file descriptor 1 with fs.writeSync.
      `const fs = require('node:fs');
const writeSync = fs.writeSync;
let recorded = false;
fs.writeSync = (fd, ...rest) => {
  if (fd === 1 && !recorded) {
    recorded = true;
    process.stderr.write(${JSON.stringify(MARKER)} + JSON.stringify(process.moduleLoadList) + '\\n');
  }
  return writeSync(fd, ...rest);
};
`,
    );
  });
  afterAll(() => rmSync(directory, { recursive: true, force: true }));

  /**
   * Starts the packaged provider under `node` with the recording preload; returns the modules loaded when the
   * handshake line was written, and checks that a client then gets its schema over mutual TLS.
   */
  async function modulesAtHandshake(node: string): Promise<{ loaded: string[]; address: string }> {
    const identity = createClientIdentity();
    const child = spawn(node, ['--require', join(directory, 'record-modules.js'), providerExecutable()], {
      env: { ...childBaseEnvironment(), ...pluginEnvironment(identity) },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stderr.on('data', (chunk) => (stderr += chunk));
    try {
      const line = await within(
        new Promise<string>((resolve, reject) => {
          child.stdout.on('data', (chunk) => {
            stdout += chunk;
            if (stdout.includes('\n')) resolve(stdout.slice(0, stdout.indexOf('\n')));
          });
          child.once('exit', (code) =>
            reject(new Error(`provider exited with ${code} before its handshake; stderr:\n${stderr}`)),
          );
        }),
        10_000,
        'the handshake line',
      );
      const recorded = stderr.split('\n').find((entry) => entry.startsWith(MARKER));
      expect(recorded).toBeDefined();
      const handshake = parseHandshakeLine(line);
      const client = await PluginClient.connect(handshake, { identity });
      try {
        const schema = await client.unary('/tfplugin6.Provider/GetProviderSchema', {});
        expect(Object.keys(schema.resource_schemas)).toContain('exchangeonline_transport_config');
      } finally {
        client.close();
      }
      return { loaded: JSON.parse(recorded!.slice(MARKER.length)) as string[], address: handshake.address };
    } finally {
      child.kill('SIGKILL');
    }
  }

  const HEAVY = ['NativeModule tls', 'NativeModule _tls_wrap', 'NativeModule http2', 'NativeModule https'];

  test('loads neither tls, http2 nor https before the handshake line, and serves mutual TLS right after it', async () => {
    const { loaded, address } = await modulesAtHandshake(process.execPath);
    expect(address).toMatch(/^127\.0\.0\.1:\d+$/);
    expect(loaded).toContain('NativeModule net');
    expect(loaded).toContain('NativeModule crypto'); // the certificate in the line needs it
    for (const heavy of HEAVY) expect(loaded).not.toContain(heavy);
  });

  // The release executables embed Node 24, whose listen(port, host) looks even an IP literal up through node:dns
  // and then compiles Node's IPv6 pattern (~9 ms); the provider binds through net.BoundSocket there instead.
  test('on the embedded Node 24: the same, and the loopback socket is bound without node:dns', async () => {
    const node24 = fetchRuntime('linux_amd64');
    const { loaded, address } = await modulesAtHandshake(node24);
    expect(address).toMatch(/^127\.0\.0\.1:\d+$/);
    expect(loaded).toContain('NativeModule net');
    expect(loaded).toContain('NativeModule crypto');
    expect(loaded).not.toContain('NativeModule dns');
    for (const heavy of HEAVY) expect(loaded).not.toContain(heavy);
  }, 300_000);

  // src/provider-launcher.ts: the packaged executable compiles its two bundles (the start up to the handshake line,
  // and the provider core loaded after it) once per user and Node version.
  test('the packaged provider writes a V8 code cache per bundle at the first start and uses them at the next', async () => {
    const env = { XDG_CACHE_HOME: join(directory, 'cache') };
    const startAndAsk = async (): Promise<void> => {
      const provider = await spawnProvider(providerExecutable(), { env });
      try {
        const schema = await provider.client.unary('/tfplugin6.Provider/GetProviderSchema', {});
        expect(Object.keys(schema.resource_schemas)).toContain('exchangeonline_transport_config');
        expect(provider.stderr()).toBe('');
      } finally {
        await provider.kill();
      }
    };
    await startAndAsk();
    const cacheDirectory = join(directory, 'cache', 'exoform');
    const files = readdirSync(cacheDirectory).sort();
    const cacheFile = expect.stringMatching(
      new RegExp(`^provider-[0-9a-f]{32}-${process.version}-${process.arch}\\.v8cache$`),
    );
    expect(files).toEqual([cacheFile, cacheFile]);
    const written = files.map((file) => statSync(join(cacheDirectory, file)).ino);
    await startAndAsk();
    // Rejected by V8 (or by its digest), a cache would have been written again through a new file.
    expect(readdirSync(cacheDirectory).sort()).toEqual(files);
    expect(files.map((file) => statSync(join(cacheDirectory, file)).ino)).toEqual(written);
  });

  // The provider proper (src/provider-core.ts) is a bundle of its own, loaded after the line (scripts/package.ts).
  test('the bundle that runs before the handshake line holds none of the provider core', () => {
    const packaged = join(providerExecutable(), '..');
    const main = readFileSync(join(packaged, PROVIDER_BUNDLE), 'utf8');
    const core = readFileSync(join(packaged, PROVIDER_CORE_BUNDLE), 'utf8');
    for (const name of ['exchangeonline_transport_config', 'Internal error in the exoform provider']) {
      expect(core).toContain(name);
      expect(main).not.toContain(name);
    }
    expect(main.length).toBeLessThan(core.length / 4);
  });
});
