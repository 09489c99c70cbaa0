/**
 * A GitOps tenant job as a runner with no Node runs it: examples/gitops copied away from any exoform checkout,
 * scripts/install-release.sh downloading a real release (npm run release, signed) from a loopback HTTPS server,
 * then plan.sh and report.sh with the installed provider and exoform executable, against the emulator. PATH holds
 * this machine's tools except node, npm and npx. A zip whose checksum does not match and a SHA256SUMS whose
 * signature does not verify are refused before anything is installed.
 */
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PROVIDER_VERSION, ROOT } from '../../scripts/package';
import { startTestEmulator, type TestEmulator } from '../support/emulator';
import { runProcess } from '../support/run-process';
import { makeGpgKey, run, serveFiles, sharedRelease, type GpgKey, type ReleaseServer } from '../support/release';

const VERSION = PROVIDER_VERSION;
const PLATFORM = 'linux_amd64';
const PROVIDER_ZIP = `terraform-provider-exchangeonline_${VERSION}_${PLATFORM}.zip`;
const SUMS = `terraform-provider-exchangeonline_${VERSION}_SHA256SUMS`;
const DOWNLOAD = `/owner/exoform/releases/download/v${VERSION}`;
const FLEET_FIXTURE = join(ROOT, 'examples', 'cdktf', 'msp-fleet', 'emulator-fixture.json');

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

describe('examples/gitops tenant job installing a release', () => {
  let work: string;
  let key: GpgKey;
  let otherKey: GpgKey;
  let server: ReleaseServer;
  let emulator: TestEmulator;
  let bin: string;
  let gitops: string;

  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), 'exoform-install-release-'));
    otherKey = makeGpgKey(join(work, 'impostor'), 'someone else');
    // The run's one `npm run release` (release.test.ts checks the same build), served read-only at its download path.
    const release = await sharedRelease();
    key = release.key;
    mkdirSync(join(work, 'site', DOWNLOAD, '..'), { recursive: true });
    symlinkSync(release.directory, join(work, 'site', DOWNLOAD));
    server = await serveFiles(join(work, 'site'), work);
    emulator = await startTestEmulator({ seed: FLEET_FIXTURE });

    // This machine's tools without node: every executable of /usr/bin and /bin but node, npm, npx, corepack.
    bin = join(work, 'bin');
    mkdirSync(bin);
    for (const directory of ['/usr/local/bin', '/usr/bin', '/bin']) {
      for (const name of readdirSync(directory)) {
        if (/^(node|nodejs|npm|npx|corepack|tsx)$/.test(name) || existsSync(join(bin, name))) continue;
        symlinkSync(join(directory, name), join(bin, name));
      }
    }
    // The example as a user's repository holds it: scripts and stacks, nowhere near an exoform checkout.
    gitops = join(work, 'repo');
    cpSync(join(ROOT, 'examples', 'gitops'), gitops, {
      recursive: true,
      filter: (source) => !/(\.terraform|terraform\.tfstate|exoform-out)/.test(source),
    });
  }, 300_000);

  afterAll(async () => {
    await server?.close();
    await emulator?.stop();
    if (work) rmSync(work, { recursive: true, force: true });
  });

  const baseEnv = (): NodeJS.ProcessEnv => ({
    PATH: bin,
    HOME: join(work, 'home'),
    CURL_CA_BUNDLE: server.certificateFile,
    EXOFORM_RELEASE_URL: `${server.url}${DOWNLOAD}`,
    EXOFORM_VERSION: VERSION,
  });

  const step = (script: string, args: string[], env: NodeJS.ProcessEnv): Promise<Run> =>
    // Longer than any test here waits, so Jest's own timeout reports a slow step first.
    runProcess(join(bin, 'bash'), [join(gitops, 'scripts', script), ...args], { cwd: gitops, env, timeoutMs: 600_000 });

  const readEnvFile = (file: string): Record<string, string> =>
    Object.fromEntries(
      readFileSync(file, 'utf8')
        .trim()
        .split('\n')
        .map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)]),
    );

  test('installs from the release with the signature and checksums verified, then plans and reports with no node on PATH', async () => {
    expect(run(join(bin, 'bash'), ['-c', 'command -v node || echo none'], { env: { PATH: bin } }).stdout.trim()).toBe(
      'none',
    );
    const githubEnv = join(work, 'github-env');
    const installDir = join(work, 'installed');
    const installed = await step('install-release.sh', [], {
      ...baseEnv(),
      EXOFORM_GPG_KEY_FILE: key.publicKeyFile,
      EXOFORM_INSTALL_DIR: installDir,
      GITHUB_ENV: githubEnv,
    });
    expect(installed.stderr).toBe('');
    expect(installed.code).toBe(0);
    expect(installed.stdout).toContain(`${SUMS}: signature verified`);
    expect(installed.stdout).toContain(`checksums verified: ${PROVIDER_ZIP}, exoform_${VERSION}_${PLATFORM}.zip`);
    expect(server.requested).toEqual(
      expect.arrayContaining([`${DOWNLOAD}/${SUMS}`, `${DOWNLOAD}/${SUMS}.sig`, `${DOWNLOAD}/${PROVIDER_ZIP}`]),
    );
    const exported = readEnvFile(githubEnv);
    expect(exported).toEqual({
      EXOFORM_TF_CLI_CONFIG: join(installDir, 'terraform.rc'),
      EXOFORM_BIN: join(installDir, 'bin'),
    });
    expect(run(join(installDir, 'bin', 'exoform'), ['--version'], { env: { PATH: bin } }).stdout).toMatch(
      /^exoform, Node v24\./,
    );

    // The later steps of the same job: what GITHUB_ENV carries, no EXOFORM_HOME, no checkout.
    const { EXO_ORGANIZATION: _organization, ...provider } = emulator.providerEnv; // stack.env names the tenant
    const jobEnv = { ...baseEnv(), ...provider, ...exported, EXOFORM_OUT: join(work, 'out'), TF_PLUGIN_CACHE_DIR: '' };
    const planned = await step('plan.sh', ['stacks/contoso'], jobEnv);
    expect(planned.code).toBe(0);
    expect(readFileSync(join(work, 'out', 'contoso', 'init.log'), 'utf8')).toContain(
      `Installed exoform/exchangeonline v${VERSION} (unauthenticated)`,
    );
    expect(readFileSync(join(work, 'out', 'contoso', 'exitcode'), 'utf8').trim()).toBe('2');
    expect(readFileSync(join(work, 'out', 'contoso', 'plan.txt'), 'utf8')).toMatch(/Plan: \d+ to add/);

    const reported = await step('report.sh', ['stacks/contoso'], jobEnv);
    expect(reported.code).toBe(0);
    const json = JSON.parse(readFileSync(join(work, 'out', 'contoso', 'readiness.json'), 'utf8'));
    expect(json.tenants).toHaveLength(1);
    expect([json.tenants[0].tenant, json.tenants[0].name]).toContain('contoso.onmicrosoft.com');
  }, 180_000);

  test('refuses a zip whose checksum does not match SHA256SUMS, and installs nothing', async () => {
    const installDir = join(work, 'tampered-install');
    server.overrides.set(
      `${DOWNLOAD}/${PROVIDER_ZIP}`,
      Buffer.concat([readFileSync(join(work, 'site', DOWNLOAD, PROVIDER_ZIP)), Buffer.from('appended')]),
    );
    try {
      const refused = await step('install-release.sh', [], {
        ...baseEnv(),
        EXOFORM_GPG_KEY_FILE: key.publicKeyFile,
        EXOFORM_INSTALL_DIR: installDir,
      });
      expect(refused.code).toBe(1);
      expect(refused.stderr).toMatch(
        new RegExp(`::error::${PROVIDER_ZIP.replace(/\./g, '\\.')}: checksum [0-9a-f]{64} does not match ${SUMS}`),
      );
      expect(existsSync(installDir)).toBe(false);
    } finally {
      server.overrides.clear();
    }
  });

  test('refuses SHA256SUMS whose signature does not verify with the configured key, and one with no signature', async () => {
    // Signed, but by a key other than the publisher's.
    const impostorSig = join(work, 'impostor.sig');
    const sums = join(work, 'site', DOWNLOAD, SUMS);
    expect(
      run('gpg', ['--batch', '--local-user', otherKey.fingerprint, '--output', impostorSig, '--detach-sign', sums], {
        env: { ...process.env, GNUPGHOME: otherKey.home },
      }).status,
    ).toBe(0);
    server.overrides.set(`${DOWNLOAD}/${SUMS}.sig`, readFileSync(impostorSig));
    const installDir = join(work, 'unsigned-install');
    try {
      const refused = await step('install-release.sh', [], {
        ...baseEnv(),
        EXOFORM_GPG_KEY_FILE: key.publicKeyFile,
        EXOFORM_INSTALL_DIR: installDir,
      });
      expect(refused.code).toBe(1);
      expect(refused.stderr).toContain(
        `${SUMS}: the signature does not verify with the key in EXOFORM_GPG_KEY_FILE; not installing`,
      );
      expect(existsSync(installDir)).toBe(false);

      // SHA256SUMS changed after signing (with checksums that match a swapped zip): the publisher's signature fails.
      server.overrides.delete(`${DOWNLOAD}/${SUMS}.sig`);
      server.overrides.set(
        `${DOWNLOAD}/${SUMS}`,
        readFileSync(sums, 'utf8').replace(/^[0-9a-f]/, (c) => (c === '0' ? '1' : '0')),
      );
      const changed = await step('install-release.sh', [], {
        ...baseEnv(),
        EXOFORM_GPG_PUBLIC_KEY: readFileSync(key.publicKeyFile, 'utf8'),
        EXOFORM_INSTALL_DIR: installDir,
      });
      expect(changed.code).toBe(1);
      expect(changed.stderr).toContain('the signature does not verify');

      // No signature published at all while a key is configured.
      server.overrides.clear();
      server.overrides.set(`${DOWNLOAD}/${SUMS}.sig`, ''); // an empty body is no signature
      const missing = await step('install-release.sh', [], {
        ...baseEnv(),
        EXOFORM_GPG_KEY_FILE: key.publicKeyFile,
        EXOFORM_INSTALL_DIR: installDir,
      });
      expect(missing.code).toBe(1);
      expect(existsSync(installDir)).toBe(false);
    } finally {
      server.overrides.clear();
    }
  });

  test('bad settings are named with the fix', async () => {
    const noUrl = await step('install-release.sh', [], { ...baseEnv(), EXOFORM_RELEASE_URL: '' });
    expect(noUrl.code).toBe(1);
    expect(noUrl.stderr).toMatch(/EXOFORM_RELEASE_URL is not set/);
    const vVersion = await step('install-release.sh', [], { ...baseEnv(), EXOFORM_VERSION: `v${VERSION}` });
    expect(vVersion.code).toBe(1);
    expect(vVersion.stderr).toMatch(/EXOFORM_VERSION 'v[\d.]+' is not a version like 0\.2\.0 \(no leading v\)/);
    const wrongVersion = await step('install-release.sh', [], {
      ...baseEnv(),
      EXOFORM_VERSION: '9.9.9',
      EXOFORM_INSTALL_DIR: join(work, 'nothing'),
    });
    expect(wrongVersion.code).toBe(1);
    expect(wrongVersion.stderr).toMatch(/could not download .*terraform-provider-exchangeonline_9\.9\.9_SHA256SUMS/);
  });
});
