/**
 * A real `npm run release` for tests (scripts/release.ts in a child process, signed with a throwaway GPG key made
 * here) and a loopback HTTPS server that serves its files as a GitHub release would. The single executables are
 * cached by a hash of their inputs (dist/sea-cache), so only the first run after a source change builds them; the
 * release itself is built once per run (sharedRelease).
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import { join, normalize } from 'node:path';
import { ROOT } from '../../scripts/package';
import { createServerCertificate } from '../../src/protocol/server-certificate';
import { sharedFixture } from './shared-fixture';

export function run(
  command: string,
  args: string[],
  options: { cwd?: string; env?: NodeJS.ProcessEnv; input?: string } = {},
): { status: number; stdout: string; stderr: string } {
  const result = spawnSync(command, args, { encoding: 'utf8', maxBuffer: 16 * 1024 * 1024, ...options });
  if (result.error) throw result.error;
  return { status: result.status ?? -1, stdout: result.stdout, stderr: result.stderr };
}

export interface GpgKey {
  home: string;
  fingerprint: string;
  /** The ASCII-armoured public key, as a publisher hands it out. */
  publicKeyFile: string;
}

/** A fresh keyring holding one new signing key without a passphrase. */
export function makeGpgKey(home: string, name: string): GpgKey {
  mkdirSync(home, { mode: 0o700, recursive: true });
  const env = { ...process.env, GNUPGHOME: home };
  const generated = run(
    'gpg',
    [
      '--batch',
      '--passphrase',
      '',
      '--quick-generate-key',
      `${name} <${name.replace(/\W+/g, '-')}@example.invalid>`,
      'ed25519',
      'sign',
      '1d',
    ],
    { env },
  );
  if (generated.status !== 0) throw new Error(`gpg key generation failed: ${generated.stderr}`);
  const fingerprint = /^fpr:+([0-9A-F]{40}):/m.exec(
    run('gpg', ['--batch', '--with-colons', '--list-secret-keys'], { env }).stdout,
  )![1];
  const publicKeyFile = join(home, 'public.asc');
  writeFileSync(publicKeyFile, run('gpg', ['--batch', '--armor', '--export', fingerprint], { env }).stdout);
  return { home, fingerprint, publicKeyFile };
}

/** `npm run release -- <args>` as a child process, with GNUPGHOME of `key` when given. */
export function runRelease(args: string[], key?: GpgKey): void {
  const env = key ? { ...process.env, GNUPGHOME: key.home } : process.env;
  const built = run(
    process.execPath,
    [join(ROOT, 'node_modules/tsx/dist/cli.mjs'), join(ROOT, 'scripts/release.ts'), ...args],
    { cwd: ROOT, env },
  );
  if (built.status !== 0) throw new Error(`npm run release failed:\n${built.stderr}${built.stdout}`);
}

/**
 * One real `npm run release`, signed with a throwaway key, for every file of the run that checks a release
 * (test/release/release.test.ts, test/gitops/install-release.test.ts). Read-only: copy before changing a file.
 */
export function sharedRelease(): Promise<{ directory: string; key: GpgKey }> {
  return sharedFixture('release', (work) => {
    const key = makeGpgKey(join(work, 'gnupg'), 'exoform publisher');
    const directory = join(work, 'release');
    runRelease(['--gpg-key', key.fingerprint, '--out', directory], key);
    return { directory, key };
  });
}

export interface ReleaseServer {
  /** https://localhost:<port> */
  url: string;
  /** PEM of the server's self-signed certificate, for CURL_CA_BUNDLE / SSL_CERT_FILE. */
  certificateFile: string;
  /** Paths asked for, in order. */
  requested: string[];
  /** Bodies served instead of the files, by path. */
  overrides: Map<string, Buffer | string>;
  close(): Promise<void>;
}

/** A static HTTPS file server on loopback for `root`, as any web host (or GitHub's release downloads) would be. */
export async function serveFiles(root: string, work: string): Promise<ReleaseServer> {
  const certificate = createServerCertificate();
  const certificateFile = join(work, `server-${Date.now()}.pem`);
  writeFileSync(certificateFile, certificate.certificatePem);
  const requested: string[] = [];
  const overrides = new Map<string, Buffer | string>();
  const server: Server = createServer(
    { key: certificate.privateKeyPem, cert: certificate.certificatePem },
    (request, response) => {
      const path = normalize(decodeURIComponent(new URL(request.url ?? '/', 'https://localhost').pathname));
      requested.push(path);
      try {
        const body = overrides.get(path) ?? readFileSync(join(root, path));
        response
          .writeHead(200, { 'content-type': path.endsWith('.json') ? 'application/json' : 'application/octet-stream' })
          .end(body);
      } catch {
        response.writeHead(404).end();
      }
    },
  );
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  return {
    url: `https://localhost:${port}`,
    certificateFile,
    requested,
    overrides,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
