/**
 * `npm run release` end to end, as a user meets it: the real command (signed with a throwaway GPG key, built once per
 * run for this file and test/gitops/install-release.test.ts by test/support/release.ts),
 * the zips checked with `unzip`, SHA256SUMS with `sha256sum -c` and `gpg --verify`, then the real terraform
 * installing the provider from the zip unpacked into a filesystem mirror with NO node on PATH (init, plan, apply
 * against the emulator), and from the network-mirror layout served over HTTPS on loopback.
 *
 * The single executables are cached by a hash of their inputs (dist/sea-cache), so only the first run after a
 * source change pays for building them.
 */
import { spawn, spawnSync } from 'node:child_process';
import {
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PROVIDER_VERSION, ROOT } from '../../scripts/package';
import { writeZip } from '../../scripts/release/zip';
import { h1Hash } from '../../scripts/release';
import { REQUIRED_PROVIDERS, TerraformWorkspace } from '../support/terraform';
import { startTestEmulator, type TestEmulator } from '../support/emulator';
import { serveFiles, sharedRelease } from '../support/release';

const VERSION = PROVIDER_VERSION;
const PLATFORM = 'linux_amd64';
const SOURCE = 'registry.terraform.io/exoform/exchangeonline';
const ZIP = `terraform-provider-exchangeonline_${VERSION}_${PLATFORM}.zip`;

function run(
  command: string,
  args: string[],
  options: { cwd?: string; env?: NodeJS.ProcessEnv } = {},
): { status: number; stdout: string; stderr: string } {
  const result = spawnSync(command, args, { encoding: 'utf8', maxBuffer: 16 * 1024 * 1024, ...options });
  if (result.error) throw result.error;
  return { status: result.status ?? -1, stdout: result.stdout, stderr: result.stderr };
}

function which(command: string): string {
  const found = run('/bin/sh', ['-c', `command -v ${command}`]).stdout.trim();
  if (!found) throw new Error(`${command} is not on PATH`);
  return found;
}

/** A CLI configuration that installs only exoform from `method`, everything else directly: the README's block. */
function cliConfig(method: string): string {
  return `provider_installation {
  ${method}
  direct {
    exclude = ["${SOURCE}"]
  }
}
`;
}

describe('npm run release', () => {
  let work: string;
  let release: string;
  let gnupg: string;
  let fingerprint: string;

  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), 'exoform-release-'));
    // The run's one `npm run release` (install-release.test.ts checks the same build); read-only here.
    const shared = await sharedRelease();
    release = shared.directory;
    gnupg = shared.key.home;
    fingerprint = shared.key.fingerprint;
  }, 300_000);

  afterAll(() => {
    if (work) rmSync(work, { recursive: true, force: true });
  });

  // The rules below are the Terraform Registry's for provider releases ("Publishing Providers": release assets);
  // the OpenTofu registry ingests the same GitHub release assets (SHA256SUMS, its .sig, the zips).
  test('registry rules — file naming: terraform-provider-{TYPE}_{VERSION}_{OS}_{ARCH}.zip holding terraform-provider-{TYPE}_v{VERSION}; {TYPE}_{VERSION}_manifest.json; {TYPE}_{VERSION}_SHA256SUMS(.sig); the version from package.json', () => {
    expect(VERSION).toBe(JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).version);
    expect(readdirSync(release).sort()).toEqual(
      [
        `exoform_${VERSION}_${PLATFORM}.zip`,
        'mirror',
        `terraform-provider-exchangeonline_${VERSION}_SHA256SUMS`,
        `terraform-provider-exchangeonline_${VERSION}_SHA256SUMS.sig`,
        ZIP,
        `terraform-provider-exchangeonline_${VERSION}_manifest.json`,
      ].sort(),
    );
    // terraform-provider-<TYPE>_<VERSION>_<OS>_<ARCH>.zip holding terraform-provider-<TYPE>_v<VERSION>
    expect(ZIP).toMatch(/^terraform-provider-[a-z0-9]+_\d+\.\d+\.\d+_[a-z0-9]+_[a-z0-9]+\.zip$/);
    const listing = run('unzip', ['-Z', join(release, ZIP)]);
    expect(listing.status).toBe(0);
    const entries = listing.stdout.split('\n').filter((line) => /^[-d]r/.test(line));
    expect(entries.map((line) => line.split(/\s+/).pop()).sort()).toEqual([
      'LICENSE',
      `terraform-provider-exchangeonline_v${VERSION}`,
    ]);
    expect(entries.find((line) => line.endsWith(`_v${VERSION}`))).toMatch(/^-rwxr-xr-x/);
    expect(run('unzip', ['-tq', join(release, ZIP)]).status).toBe(0);

    const cliListing = run('unzip', ['-Z1', join(release, `exoform_${VERSION}_${PLATFORM}.zip`)]);
    expect(cliListing.stdout.trim().split('\n').sort()).toEqual(['LICENSE', 'exoform']);

    const manifest = JSON.parse(
      readFileSync(join(release, `terraform-provider-exchangeonline_${VERSION}_manifest.json`), 'utf8'),
    );
    expect(manifest).toEqual({ version: 1, metadata: { protocol_versions: ['6.0'] } });
    expect(readFileSync(join(ROOT, 'terraform-registry-manifest.json'), 'utf8')).toBe(
      readFileSync(join(release, `terraform-provider-exchangeonline_${VERSION}_manifest.json`), 'utf8'),
    );
  });

  test('registry rules — manifest: version 1 with metadata.protocol_versions ["6.0"], the repository\'s terraform-registry-manifest.json', () => {
    const manifest = JSON.parse(
      readFileSync(join(release, `terraform-provider-exchangeonline_${VERSION}_manifest.json`), 'utf8'),
    );
    expect(manifest).toEqual({ version: 1, metadata: { protocol_versions: ['6.0'] } });
  });

  test('registry rules — .sig: a binary (not ASCII-armoured) detached GPG signature of SHA256SUMS', () => {
    const sig = readFileSync(join(release, `terraform-provider-exchangeonline_${VERSION}_SHA256SUMS.sig`));
    expect(sig.subarray(0, 5).toString('latin1')).not.toBe('-----');
    expect(sig[0] & 0x80).toBe(0x80); // an OpenPGP packet tag byte
    const packets = run(
      'gpg',
      ['--batch', '--list-packets', join(release, `terraform-provider-exchangeonline_${VERSION}_SHA256SUMS.sig`)],
      { env: { ...process.env, GNUPGHOME: gnupg } },
    );
    expect(packets.stdout).toMatch(/:signature packet:/);
    expect(packets.stdout).not.toMatch(/:literal data packet:/); // detached: the signed data is not inside
  });

  test('registry rules — SHA256SUMS: every zip and the manifest, verifying with sha256sum; its signature with gpg; a changed file fails both', () => {
    const sums = `terraform-provider-exchangeonline_${VERSION}_SHA256SUMS`;
    const lines = readFileSync(join(release, sums), 'utf8').trim().split('\n');
    expect(lines.map((line) => line.replace(/^[0-9a-f]{64} {2}/, '')).sort()).toEqual(
      [ZIP, `exoform_${VERSION}_${PLATFORM}.zip`, `terraform-provider-exchangeonline_${VERSION}_manifest.json`].sort(),
    );
    const checked = run('sha256sum', ['-c', sums], { cwd: release });
    expect(checked.stdout).toContain(`${ZIP}: OK`);
    expect(checked.status).toBe(0);

    const env = { ...process.env, GNUPGHOME: gnupg };
    const verified = run(
      'gpg',
      ['--batch', '--status-fd', '1', '--verify', join(release, `${sums}.sig`), join(release, sums)],
      { env },
    );
    expect(verified.status).toBe(0);
    expect(verified.stdout).toContain(`VALIDSIG ${fingerprint}`);

    const tampered = join(work, 'tampered');
    writeFileSync(
      tampered,
      readFileSync(join(release, sums), 'utf8').replace(/^./, (c) => (c === '0' ? '1' : '0')),
    );
    expect(run('gpg', ['--batch', '--verify', join(release, `${sums}.sig`), tampered], { env }).status).not.toBe(0);
    const changed = join(work, 'changed-release');
    mkdirSync(changed);
    writeFileSync(join(changed, sums), readFileSync(join(release, sums)));
    for (const line of lines) writeFileSync(join(changed, line.slice(66)), 'not the released file');
    expect(run('sha256sum', ['-c', sums], { cwd: changed }).status).not.toBe(0);
  });

  test('zips are deterministic: the same files give the same bytes, and h1 matches what terraform records', () => {
    const entries = [
      { name: 'b', content: Buffer.from('second'), mode: 0o644 },
      { name: 'a', content: Buffer.from('first'), mode: 0o755 },
    ];
    expect(writeZip(entries).equals(writeZip([...entries].reverse()))).toBe(true);
    const file = join(work, 'unit.zip');
    writeFileSync(file, writeZip(entries));
    const extracted = join(work, 'unit');
    expect(run('unzip', ['-q', file, '-d', extracted]).status).toBe(0);
    expect(readFileSync(join(extracted, 'a'), 'utf8')).toBe('first');
    expect(statSync(join(extracted, 'a')).mode & 0o777).toBe(0o755);
    expect(h1Hash(entries)).toMatch(/^h1:[A-Za-z0-9+/]{43}=$/);
  });

  describe('installed by terraform', () => {
    let emulator: TestEmulator;
    beforeAll(async () => {
      emulator = await startTestEmulator();
    });
    afterAll(async () => {
      await emulator?.stop();
    });

    const main = `${REQUIRED_PROVIDERS}
provider "exchangeonline" {}

resource "exchangeonline_transport_config" "org" {
  smtp_client_authentication_disabled = true
  allow_legacy_tls_clients            = true
}
`;

    test('with no node on PATH: init, plan and apply from the zip unpacked into a filesystem mirror', async () => {
      const mirror = join(work, 'fs-mirror');
      const unpacked = join(mirror, SOURCE, VERSION, PLATFORM);
      mkdirSync(unpacked, { recursive: true });
      expect(run('unzip', ['-q', join(release, ZIP), '-d', unpacked]).status).toBe(0);
      // PATH holds terraform and nothing else: no node, no shell tools.
      const bin = join(work, 'bin-without-node');
      mkdirSync(bin);
      symlinkSync(which('terraform'), join(bin, 'terraform'));
      expect(run('/bin/sh', ['-c', 'command -v node || echo none'], { env: { PATH: bin } }).stdout.trim()).toBe('none');
      const config = join(work, 'filesystem-mirror.tfrc');
      writeFileSync(
        config,
        cliConfig(`filesystem_mirror {\n    path    = ${JSON.stringify(mirror)}\n    include = ["${SOURCE}"]\n  }`),
      );

      const tf = new TerraformWorkspace(
        { 'main.tf': main },
        { ...emulator.providerEnv, PATH: bin, TF_CLI_CONFIG_FILE: config },
      );
      try {
        const init = await tf.init();
        expect(init.stdout).toContain(`Installed exoform/exchangeonline v${VERSION} (unauthenticated)`);
        const planned = await tf.plan(2);
        expect(planned.plan.resource_changes?.map((change) => change.change.actions)).toEqual([['create']]);
        await tf.apply();
        expect((await emulator.inspect.tenant()).transportConfig.AllowLegacyTLSClients).toBe(true);
        await tf.noChanges();
      } finally {
        tf.cleanup();
      }

      // A PFX credential makes the provider load node-forge, one of the side bundles embedded as SEA assets:
      // a wrong password must come back as the provider's own error about certificate_password.
      const pfx = join(work, 'app.pfx');
      const openssl = (args: string[]): void => expect(run('openssl', args).status).toBe(0);
      openssl([
        'req',
        '-x509',
        '-newkey',
        'ec',
        '-pkeyopt',
        'ec_paramgen_curve:P-256',
        '-nodes',
        '-keyout',
        join(work, 'key.pem'),
        '-out',
        join(work, 'cert.pem'),
        '-days',
        '2',
        '-subj',
        '/CN=exoform-release-test',
      ]);
      openssl([
        'pkcs12',
        '-export',
        '-inkey',
        join(work, 'key.pem'),
        '-in',
        join(work, 'cert.pem'),
        '-out',
        pfx,
        '-passout',
        'pass:right-password',
      ]);
      const withCertificate = new TerraformWorkspace(
        {
          'main.tf': `${REQUIRED_PROVIDERS}
provider "exchangeonline" {
  organization         = "contoso.onmicrosoft.com"
  endpoint             = "${emulator.url}"
  client_id            = "00000000-0000-0000-0000-000000000001"
  certificate_path     = "${pfx}"
  certificate_password = "wrong-password"
}
data "exchangeonline_transport_config" "org" {}
`,
        },
        {
          PATH: bin,
          TF_CLI_CONFIG_FILE: config,
          EXO_ENDPOINT: undefined,
          EXO_ORGANIZATION: undefined,
          EXO_ACCESS_TOKEN: undefined,
        },
      );
      try {
        await withCertificate.init();
        const result = await withCertificate.run(['plan', '-no-color', '-input=false']);
        expect(result.code).toBe(1);
        expect(result.stderr).toMatch(/certificate_password/);
        expect(result.stderr).not.toMatch(/Internal error|Cannot find module|getAsset/);
      } finally {
        withCertificate.cleanup();
      }
    });

    test('from the network-mirror layout served over HTTPS: index.json, <version>.json, the zip, and its hashes in the lock file', async () => {
      const mirrorRoot = join(release, 'mirror');
      // A static file server and nothing more, as any web host would be.
      const mirror = await serveFiles(mirrorRoot, work);
      const { certificateFile, requested, overrides } = mirror;
      const config = join(work, 'network-mirror.tfrc');
      writeFileSync(
        config,
        cliConfig(`network_mirror {\n    url     = "${mirror.url}/"\n    include = ["${SOURCE}"]\n  }`),
      );
      const tf = new TerraformWorkspace(
        { 'main.tf': main },
        { ...emulator.providerEnv, TF_CLI_CONFIG_FILE: config, SSL_CERT_FILE: certificateFile },
      );
      try {
        const init = await tf.init();
        expect(init.stdout).toContain(`Installed exoform/exchangeonline v${VERSION}`);
        expect(requested).toEqual(
          expect.arrayContaining([`/${SOURCE}/index.json`, `/${SOURCE}/${VERSION}.json`, `/${SOURCE}/${ZIP}`]),
        );
        const versionDocument = JSON.parse(readFileSync(join(mirrorRoot, SOURCE, `${VERSION}.json`), 'utf8'));
        const zipSha = readFileSync(join(release, `terraform-provider-exchangeonline_${VERSION}_SHA256SUMS`), 'utf8')
          .split('\n')
          .find((line) => line.endsWith(`  ${ZIP}`))!
          .slice(0, 64);
        expect(versionDocument.archives[PLATFORM].hashes).toEqual([expect.stringMatching(/^h1:/), `zh:${zipSha}`]);
        await tf.changes(); // the provider installed from the network mirror runs
        // The lock file records the h1 hash terraform computed from the unpacked package: the mirror's h1 is the same.
        expect(tf.read('.terraform.lock.hcl')).toContain(`"${versionDocument.archives[PLATFORM].hashes[0]}"`);

        // Terraform checks the download against the mirror's hashes: a wrong zh: hash stops the install.
        overrides.set(
          `/${SOURCE}/${VERSION}.json`,
          JSON.stringify({ archives: { [PLATFORM]: { url: ZIP, hashes: [`zh:${'0'.repeat(64)}`] } } }),
        );
        const refused = new TerraformWorkspace(
          { 'main.tf': main },
          { ...emulator.providerEnv, TF_CLI_CONFIG_FILE: config, SSL_CERT_FILE: certificateFile },
        );
        try {
          const result = await refused.run(['init', '-no-color', '-input=false']);
          expect(result.code).toBe(1);
          expect(result.stderr).toMatch(/checksum|doesn't match/i);
        } finally {
          refused.cleanup();
        }
      } finally {
        tf.cleanup();
        await mirror.close();
      }
    });

    test('the OpenTofu layout is the same protocol under its default registry host', () => {
      const terraformSide = join(release, 'mirror', 'registry.terraform.io/exoform/exchangeonline');
      const tofuSide = join(release, 'mirror', 'registry.opentofu.org/exoform/exchangeonline');
      expect(readdirSync(tofuSide).sort()).toEqual(readdirSync(terraformSide).sort());
      for (const file of readdirSync(tofuSide))
        expect(readFileSync(join(tofuSide, file)).equals(readFileSync(join(terraformSide, file)))).toBe(true);
    });
  });

  test('the exoform executable runs the emulator with no node on PATH', async () => {
    const unpacked = join(work, 'cli');
    expect(run('unzip', ['-q', join(release, `exoform_${VERSION}_${PLATFORM}.zip`), '-d', unpacked]).status).toBe(0);
    const exoform = join(unpacked, 'exoform');
    const bad = run(exoform, ['emulator', '--port', 'x', '--data', join(work, 'x.json')], {
      env: { PATH: '/nonexistent' },
    });
    expect(bad.status).toBe(2);
    expect(bad.stderr).toContain('--port must be a whole number');

    const child = spawn(exoform, ['emulator', '--data', join(work, 'cli-state.json'), '--token', 'cli-test-token'], {
      env: { PATH: '/nonexistent' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    try {
      const url = await new Promise<string>((resolve, reject) => {
        let output = '';
        child.stdout.on('data', (chunk: Buffer) => {
          output += chunk.toString();
          if (output.includes('\n')) resolve(output.split('\n')[0]);
        });
        child.on('exit', (code) => reject(new Error(`exoform emulator exited ${code} before printing its URL`)));
      });
      expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      const response = await fetch(`${url}/_emulator/tenants`, { headers: { authorization: 'Bearer cli-test-token' } });
      expect(response.status).toBe(200);
      expect(JSON.stringify(await response.json())).toContain('contoso.onmicrosoft.com');
    } finally {
      const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
      child.kill('SIGTERM');
      expect(await exited).toBe(0);
    }
  });
});
