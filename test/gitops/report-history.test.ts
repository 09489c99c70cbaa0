/**
 * The nightly report step that keeps the last report and compares with it (examples/gitops/scripts/report-compare.sh),
 * run as the CI runner runs it (bash, the exoform CLI from the checkout) against the emulator, two nights in a row
 * with a change in the tenant between them.
 */
import { cpSync, existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT, cliConfigPath } from '../../scripts/package';
import type { ReadinessReport } from '../../src/report/report-model';
import { startTestEmulator, type TestEmulator } from '../support/emulator';
import { runProcess } from '../support/run-process';

const GITOPS = join(ROOT, 'examples', 'gitops');

describe('examples/gitops nightly report history', () => {
  let emulator: TestEmulator;
  let work: string;
  let env: NodeJS.ProcessEnv;
  const night = (extra: Record<string, string> = {}): Promise<{ code: number; stdout: string; stderr: string }> =>
    runProcess('bash', [join(work, 'scripts', 'report-compare.sh'), 'stacks/contoso'], {
      cwd: work,
      env: { ...env, ...extra },
      timeoutMs: 600_000, // longer than any test here waits, so Jest's own timeout reports a slow night first
    });
  const history = (): string => join(work, 'exoform-history', 'contoso');
  const tonight = (): ReadinessReport =>
    JSON.parse(readFileSync(join(work, 'out', 'contoso', 'readiness.json'), 'utf8')) as ReadinessReport;

  beforeAll(async () => {
    emulator = await startTestEmulator();
    work = mkdtempSync(join(tmpdir(), 'exoform-history-'));
    cpSync(GITOPS, work, {
      recursive: true,
      filter: (source) => !/(\.terraform|terraform\.tfstate|exoform-out|exoform-history)/.test(source),
    });
    // The stack's stack.env names the tenant.
    const { EXO_ORGANIZATION: _organization, ...provider } = emulator.providerEnv;
    env = {
      ...process.env,
      ...provider,
      EXOFORM_HOME: ROOT,
      EXOFORM_TF_CLI_CONFIG: cliConfigPath(),
      EXOFORM_OUT: join(work, 'out'),
      GITHUB_STEP_SUMMARY: join(work, 'summary.md'),
    };
    delete env.EXO_ORGANIZATION;
    delete env.EXOFORM_REPORT_HISTORY;
  });
  afterAll(async () => {
    await emulator?.stop();
    if (work) rmSync(work, { recursive: true, force: true });
  });

  test('the first night keeps its report; the next compares with it and shows what changed', async () => {
    const first = await night();
    expect(first.code).toBe(0);
    expect(first.stdout).toContain('No earlier report for contoso');
    const firstReport = tonight();
    expect(firstReport.comparison).toBeUndefined();
    expect(JSON.parse(readFileSync(join(history(), 'last.json'), 'utf8')).generatedAt).toBe(firstReport.generatedAt);

    // During the day a new mailbox appears in the tenant.
    await emulator.inspect.request('POST', '/_emulator/tenants/contoso.onmicrosoft.com/recipients', {
      upn: 'frontdesk@contoso.com',
    });
    const second = await night({ EXOFORM_REPORT_KEEP: '1' });
    expect(second.code).toBe(0);
    const comparison = tonight().comparison!;
    expect(comparison.earlierGeneratedAt).toBe(firstReport.generatedAt);
    expect(comparison.tenants[0]!.mailboxes).toEqual([
      expect.objectContaining({ userPrincipalName: 'frontdesk@contoso.com', change: 'new', verdictBefore: null }),
    ]);
    expect(readFileSync(join(work, 'out', 'contoso', 'readiness.txt'), 'utf8')).toContain(
      `Since ${firstReport.generatedAt}:`,
    );
    expect(readFileSync(join(work, 'out', 'contoso', 'readiness.html'), 'utf8')).toContain('class="comparison"');
    // Tonight's is the last now; EXOFORM_REPORT_KEEP=1 leaves one dated copy.
    expect(JSON.parse(readFileSync(join(history(), 'last.json'), 'utf8')).generatedAt).toBe(tonight().generatedAt);
    expect(readdirSync(history()).filter((name) => name.startsWith('readiness-'))).toHaveLength(1);
  });

  test('a night the tenant is not read is not kept; a bad EXOFORM_REPORT_KEEP is refused before reading', async () => {
    const kept = readFileSync(join(history(), 'last.json'), 'utf8');
    const unreachable = await night({ EXO_ENDPOINT: 'http://127.0.0.1:9' });
    expect(unreachable.code).toBe(3);
    expect(readFileSync(join(history(), 'last.json'), 'utf8')).toBe(kept);

    const bad = await night({ EXOFORM_REPORT_KEEP: 'all' });
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain("EXOFORM_REPORT_KEEP must be a whole number of at least 1, got 'all'");
    expect(existsSync(join(history(), 'last.json'))).toBe(true);
  });
});
