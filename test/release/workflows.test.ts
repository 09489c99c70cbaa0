/**
 * .github/workflows: both files against GitHub's workflow schema (@action-validator/core, offline), and every
 * script their steps call run here as a linux_amd64 runner runs it: the version check, the native build, the smoke
 * test with no node on PATH, the signing key import, the assembly and the draft release (with `gh` replaced by a
 * recorder on PATH, the one step that needs GitHub), and the test command itself.
 */
import { validateWorkflow } from '@action-validator/core';
import {
  accessSync,
  constants,
  cpSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { PROVIDER_VERSION, ROOT } from '../../scripts/package';
import { NODE_END_OF_LIFE, RUNTIME_LINE, checkRuntimeSupported } from '../../scripts/release/node-runtime';
import { checkReleaseVersion } from '../../scripts/release';
import { makeGpgKey, run, sharedRelease } from '../support/release';

const WORKFLOWS = join(ROOT, '.github', 'workflows');
const TAG = `v${PROVIDER_VERSION}`;
const script = (name: string): string => join(ROOT, 'scripts', 'release', name);
const local = { ...process.env, EXOFORM_SKIP_NPM_CI: '1' }; // node_modules is installed; CI runs npm ci in each script

interface Step {
  run?: string;
  uses?: string;
}

function runSteps(file: string): string[] {
  const workflow = parse(readFileSync(join(WORKFLOWS, file), 'utf8'));
  return Object.values<{ steps: Step[] }>(workflow.jobs).flatMap((job) =>
    job.steps.filter((s) => s.run).map((s) => s.run!),
  );
}

describe('GitHub workflows', () => {
  let work: string;
  let native: string;
  beforeAll(() => {
    work = mkdtempSync(join(tmpdir(), 'exoform-workflows-'));
    native = join(work, 'native');
  });
  afterAll(() => {
    if (work) rmSync(work, { recursive: true, force: true });
  });

  test("test.yml, release.yml and the GitOps examples pass GitHub's workflow schema; a broken workflow does not", () => {
    // The validator warns that it does not check path globs (on.push.paths); nothing else may be said.
    const warnings: string[] = [];
    const warn = jest.spyOn(console, 'warn').mockImplementation((message: string) => void warnings.push(message));
    for (const file of readdirSync(WORKFLOWS)) {
      expect({ file, errors: validateWorkflow(readFileSync(join(WORKFLOWS, file), 'utf8')).errors }).toEqual({
        file,
        errors: [],
      });
    }
    for (const file of ['exoform.yml', 'exoform-fleet.yml']) {
      const text = readFileSync(join(ROOT, 'examples', 'gitops', 'github-actions', file), 'utf8');
      expect({ file, errors: validateWorkflow(text).errors }).toEqual({ file, errors: [] });
    }
    expect(readdirSync(WORKFLOWS).sort()).toEqual(['release.yml', 'test.yml']);
    const broken = readFileSync(join(WORKFLOWS, 'release.yml'), 'utf8').replace(
      'runs-on: ubuntu-24.04',
      'runs_on: ubuntu-24.04',
    );
    expect(validateWorkflow(broken).errors.length).toBeGreaterThan(0);
    warn.mockRestore();
    for (const message of warnings) expect(message).toMatch(/^WARNING: Glob validation is not yet supported/);
  });

  test('every run step is a script in scripts/release/, executable; native jobs cover the five platforms', () => {
    const called = new Set<string>();
    for (const file of ['test.yml', 'release.yml']) {
      for (const line of runSteps(file)) {
        const match = /^scripts\/release\/([\w-]+\.sh)(\s|$)/.exec(line);
        expect({ file, line, script: match !== null }).toEqual({ file, line, script: true });
        called.add(match![1]);
      }
    }
    expect([...called].sort()).toEqual([
      'assemble.sh',
      'build-native.sh',
      'check-version.sh',
      'ci-test.sh',
      'import-gpg-key.sh',
      'publish-draft.sh',
      'smoke.sh',
    ]);
    for (const name of called) accessSync(script(name), constants.X_OK);
    for (const [file, job] of [
      ['test.yml', 'native'],
      ['release.yml', 'build'],
    ]) {
      const matrix = parse(readFileSync(join(WORKFLOWS, file), 'utf8')).jobs[job].strategy.matrix.include;
      expect(matrix.map((entry: { platform: string }) => entry.platform).sort()).toEqual([
        'darwin_amd64',
        'darwin_arm64',
        'linux_amd64',
        'linux_arm64',
        'windows_amd64',
      ]);
    }
    const release = parse(readFileSync(join(WORKFLOWS, 'release.yml'), 'utf8'));
    expect(release.on).toEqual({ push: { tags: ['v*'] } });
    expect(release.jobs.build.needs).toBe('check');
    expect(release.jobs.release.needs).toBe('build');
  });

  test('check-version.sh refuses a tag that differs from package.json, and a version with no CHANGELOG section', () => {
    const ok = run(script('check-version.sh'), [TAG], { env: local });
    expect(ok.stdout).toContain(`releasing ${PROVIDER_VERSION} for tag ${TAG}`);
    expect(ok.status).toBe(0);
    const other = run(script('check-version.sh'), ['v99.0.0'], { env: local });
    expect(other.status).toBe(1);
    expect(other.stderr).toContain(`::error::tag v99.0.0 does not match package.json's version ${PROVIDER_VERSION}`);

    // A checkout whose package.json says 99.0.0 with a CHANGELOG that has no section for it.
    const checkout = join(work, 'checkout');
    cpSync(join(ROOT, 'scripts'), join(checkout, 'scripts'), { recursive: true });
    cpSync(join(ROOT, 'CHANGELOG.md'), join(checkout, 'CHANGELOG.md'));
    symlinkSync(join(ROOT, 'node_modules'), join(checkout, 'node_modules'));
    symlinkSync(join(ROOT, 'src'), join(checkout, 'src')); // scripts/package.ts imports the launcher's file names
    const manifest = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));
    writeFileSync(join(checkout, 'package.json'), JSON.stringify({ ...manifest, version: '99.0.0' }));
    const unlisted = run(join(checkout, 'scripts', 'release', 'check-version.sh'), ['v99.0.0'], { env: local });
    expect(unlisted.status).toBe(1);
    expect(unlisted.stderr).toContain('::error::CHANGELOG.md has no "## 99.0.0" section');

    expect(() => checkReleaseVersion('1.0.0', 'v1.0.0', '## Unreleased\n\n## 1.0.0\n')).not.toThrow();
    expect(() => checkReleaseVersion('1.0.0', 'v1.0.0', '## Unreleased\n\n## 1.0.01\n')).toThrow(
      /no "## 1.0.0" section/,
    );
    expect(() => checkReleaseVersion('1.0', undefined, '')).toThrow(/not a semantic version/);
  });

  test('build-native.sh: linux_amd64 executables embed a supported Node (process.version), and smoke.sh passes with no node on PATH', async () => {
    // The run's release (test/support/release.ts) builds the same single executables into dist/sea-cache: wait for
    // it rather than build them a second time at the same moment on a fresh clone.
    await sharedRelease();
    const built = run(script('build-native.sh'), [native, TAG], { env: local });
    expect(built.stderr).not.toMatch(/error/i);
    expect(built.status).toBe(0);
    const dir = join(native, 'linux_amd64');
    expect(readdirSync(dir).sort()).toEqual([
      'exoform',
      'runtime.json',
      `terraform-provider-exchangeonline_v${PROVIDER_VERSION}`,
    ]);

    // Each executable reports the process.version it runs on; that Node's line must be supported today.
    for (const executable of ['exoform', `terraform-provider-exchangeonline_v${PROVIDER_VERSION}`]) {
      const answered = run(join(dir, executable), ['--version'], { env: { PATH: '/nonexistent' } });
      expect(answered.status).toBe(0);
      const version = /Node (v\d+\.\d+\.\d+) \(linux-x64\)/.exec(answered.stdout)?.[1];
      expect(version).toMatch(new RegExp(`^v${RUNTIME_LINE}\\.`));
      expect(checkRuntimeSupported(version!)).toBe(NODE_END_OF_LIFE[RUNTIME_LINE]);
      expect(JSON.parse(readFileSync(join(dir, 'runtime.json'), 'utf8'))).toEqual({
        platform: 'linux_amd64',
        node: version,
      });
    }
    expect(() => checkRuntimeSupported('v20.20.2', new Date('2026-12-07'))).toThrow(
      /reached its end of life on 2026-04-30/,
    );
    expect(() => checkRuntimeSupported('v23.1.0')).toThrow(/not in the end-of-life table/);
    expect(() => checkRuntimeSupported('v24.22.3', new Date('2028-05-01'))).toThrow(/end of life on 2028-04-30/);

    const smoked = run(script('smoke.sh'), [dir]);
    expect(smoked.stdout).toContain(`runtimes: exoform, Node v${RUNTIME_LINE}.`);
    expect(smoked.stdout).toContain('Apply complete! Resources: 1 added');
    expect(smoked.stdout).toContain(`smoke test passed: linux_amd64, provider ${PROVIDER_VERSION}`);
    expect(smoked.status).toBe(0);
  }, 300_000);

  test("import-gpg-key.sh, assemble.sh and publish-draft.sh: a signed draft release with exactly the registry's assets", () => {
    // The repository secret: an armoured secret key, imported into a fresh keyring as the release job does.
    const publisher = makeGpgKey(join(work, 'publisher'), 'exoform release workflow');
    const secret = run('gpg', ['--batch', '--armor', '--export-secret-keys', publisher.fingerprint], {
      env: { ...process.env, GNUPGHOME: publisher.home },
    }).stdout;
    const gnupg = join(work, 'runner-gnupg');
    const githubEnv = join(work, 'github-env');
    const imported = run(script('import-gpg-key.sh'), [], {
      env: { ...process.env, GNUPGHOME: gnupg, GPG_PRIVATE_KEY: secret, GITHUB_ENV: githubEnv },
    });
    expect(imported.status).toBe(0);
    expect(imported.stdout + imported.stderr).not.toContain('PRIVATE KEY BLOCK');
    expect(readFileSync(githubEnv, 'utf8')).toBe(`GPG_FINGERPRINT=${publisher.fingerprint}\n`);
    const empty = run(script('import-gpg-key.sh'), [], {
      env: { ...process.env, GNUPGHOME: join(work, 'x'), GPG_PRIVATE_KEY: '' },
    });
    expect(empty.status).toBe(1);
    expect(empty.stderr).toContain('GPG_PRIVATE_KEY is empty');

    // From the native builds (the previous test's linux_amd64 share; the workflow downloads all five).
    const out = join(work, 'release');
    const wrongTag = run(script('assemble.sh'), [native, out, 'v0.0.1'], {
      env: { ...local, GNUPGHOME: gnupg, GPG_FINGERPRINT: publisher.fingerprint },
    });
    expect(wrongTag.status).not.toBe(0);
    expect(wrongTag.stderr).toContain('tag v0.0.1 does not match');
    // A runner that embedded an end-of-life Node: the assembly refuses it too.
    const stale = join(work, 'stale-native');
    cpSync(native, stale, { recursive: true });
    writeFileSync(
      join(stale, 'linux_amd64', 'runtime.json'),
      JSON.stringify({ platform: 'linux_amd64', node: 'v20.20.2' }),
    );
    const refused = run(script('assemble.sh'), [stale, join(work, 'stale-release'), TAG], { env: local });
    expect(refused.status).not.toBe(0);
    expect(refused.stderr).toContain('Node v20.20.2 reached its end of life on 2026-04-30');
    const assembled = run(script('assemble.sh'), [native, out, TAG], {
      env: { ...local, GNUPGHOME: gnupg, GPG_FINGERPRINT: publisher.fingerprint },
    });
    expect(assembled.stderr).toBe('');
    expect(assembled.status).toBe(0);
    const verified = run(
      'gpg',
      [
        '--batch',
        '--status-fd',
        '1',
        '--verify',
        join(out, `terraform-provider-exchangeonline_${PROVIDER_VERSION}_SHA256SUMS.sig`),
        join(out, `terraform-provider-exchangeonline_${PROVIDER_VERSION}_SHA256SUMS`),
      ],
      { env: { ...process.env, GNUPGHOME: gnupg } },
    );
    expect(verified.stdout).toContain(`VALIDSIG ${publisher.fingerprint}`);

    // `gh` is the one step that needs GitHub: a recorder on PATH stands in and keeps its arguments.
    const ghBin = join(work, 'gh-bin');
    mkdirSync(ghBin);
    writeFileSync(join(ghBin, 'gh'), `#!/bin/sh\nprintf '%s\\n' "$@" > "${join(work, 'gh-args')}"\n`, { mode: 0o755 });
    const published = run(script('publish-draft.sh'), [out, TAG], {
      env: { ...process.env, PATH: `${ghBin}:${process.env.PATH}`, GH_TOKEN: 'test' },
    });
    expect(published.stderr).toBe('');
    expect(published.status).toBe(0);
    const args = readFileSync(join(work, 'gh-args'), 'utf8').trim().split('\n');
    expect(args.slice(0, 4)).toEqual(['release', 'create', TAG, '--draft']);
    expect(args).toContain('--verify-tag');
    const assets = args
      .filter((arg) => arg.startsWith(`${out}/`))
      .map((arg) => arg.slice(out.length + 1))
      .sort();
    expect(assets).toEqual(
      [
        `exoform_${PROVIDER_VERSION}_linux_amd64.zip`,
        `terraform-provider-exchangeonline_${PROVIDER_VERSION}_SHA256SUMS`,
        `terraform-provider-exchangeonline_${PROVIDER_VERSION}_SHA256SUMS.sig`,
        `terraform-provider-exchangeonline_${PROVIDER_VERSION}_linux_amd64.zip`,
        `terraform-provider-exchangeonline_${PROVIDER_VERSION}_manifest.json`,
      ].sort(),
    );
    // No signature, no release: the registries refuse an unsigned one.
    rmSync(join(out, `terraform-provider-exchangeonline_${PROVIDER_VERSION}_SHA256SUMS.sig`));
    const unsigned = run(script('publish-draft.sh'), [out, TAG], {
      env: { ...process.env, PATH: `${ghBin}:${process.env.PATH}` },
    });
    expect(unsigned.status).toBe(1);
    expect(unsigned.stderr).toContain('SHA256SUMS.sig is missing');
  }, 300_000);

  test('ci-test.sh runs the test command (here limited to one test file)', () => {
    const tested = run(script('ci-test.sh'), ['test/release/no-npx-exoform.test.ts'], { env: local });
    expect(tested.stderr).toMatch(/Tests:\s+\d+ passed, \d+ total/);
    expect(tested.status).toBe(0);
  }, 300_000);
});
