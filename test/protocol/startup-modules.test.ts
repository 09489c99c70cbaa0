/**
 * What the packaged provider loads before its handshake line: Terraform waits for that line 3–5 times per command,
 * so TLS, HTTP/2 and HTTPS (~20 ms of Node's own modules, and a TLS context that makes Node 20 parse its root
 * certificates) come after it. The real packaged provider runs under node with a preload that records
 * `process.moduleLoadList` when the handshake line is written to stdout; then a client connects over mutual TLS, so the layers
 * built after the line are shown to be there when Terraform dials.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { providerExecutable } from '../../scripts/package';
import {
  childBaseEnvironment,
  createClientIdentity,
  parseHandshakeLine,
  pluginEnvironment,
  PluginClient,
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

  test('loads neither tls, http2 nor https before the handshake line, and serves mutual TLS right after it', async () => {
    const identity = createClientIdentity();
    const child = spawn(process.execPath, ['--require', join(directory, 'record-modules.js'), providerExecutable()], {
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
      const loaded = JSON.parse(recorded!.slice(MARKER.length)) as string[];
      expect(loaded).toContain('NativeModule net');
      expect(loaded).toContain('NativeModule crypto'); // the certificate in the line needs it
      for (const heavy of ['NativeModule tls', 'NativeModule _tls_wrap', 'NativeModule http2', 'NativeModule https'])
        expect(loaded).not.toContain(heavy);

      const client = await PluginClient.connect(parseHandshakeLine(line), { identity });
      try {
        const schema = await client.unary('/tfplugin6.Provider/GetProviderSchema', {});
        expect(Object.keys(schema.resource_schemas)).toContain('exchangeonline_transport_config');
      } finally {
        client.close();
      }
    } finally {
      child.kill('SIGKILL');
    }
  });
});
