/**
 * The PowerShell tier is what the README says it is: `npm run test:powershell` runs exactly the test files the
 * README's table names (by path, not by pattern), each file exists, the table names a guarantee for each, and CI
 * runs the tier after `npm test`. The tier's own run is what proves the guarantees over PowerShell; this keeps what the
 * README says about it true.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const ROOT = join(__dirname, '..');
const read = (path: string): string => readFileSync(join(ROOT, path), 'utf8');

/** The README's tier table: guarantee → file. */
function readmeTier(): Map<string, string> {
  const readme = read('README.md');
  const start = readme.indexOf('**The PowerShell tier.**');
  expect(start).toBeGreaterThan(0);
  const rows = new Map<string, string>();
  for (const line of readme.slice(start).split('\n')) {
    const match = /^\s*\| (.+?) \| `(test\/(?:acceptance|provider)\/[\w.-]+\.test\.ts)` \|$/.exec(line);
    if (match) rows.set(match[2]!, match[1]!);
    else if (rows.size > 0 && !/^\s*\|/.test(line)) break;
  }
  return rows;
}

describe('the PowerShell tier', () => {
  const script = (JSON.parse(read('package.json')) as { scripts: Record<string, string> }).scripts['test:powershell']!;

  test("npm run test:powershell runs exactly the README's files, by path, through the pwsh double", () => {
    expect(script).toMatch(/\bEXOFORM_TEST_BRIDGE=powershell\b/);
    expect(script).toMatch(/\bEXO_BRIDGE=powershell\b/);
    expect(script).toMatch(/EXO_POWERSHELL_PATH=\S*test\/support\/pwsh-stand-in\/pwsh-stand-in\.js/);
    expect(script).toMatch(/\bjest (--maxWorkers=\d+ )?--runTestsByPath /);
    const files = script
      .slice(script.indexOf('--runTestsByPath') + '--runTestsByPath'.length)
      .trim()
      .split(/\s+/);
    expect([...readmeTier().keys()].sort()).toEqual([...files].sort());
    for (const file of files) expect({ file, exists: existsSync(join(ROOT, file)) }).toEqual({ file, exists: true });
  });

  test('each guarantee the issue names has its file in the tier', () => {
    const guarantees = [...readmeTier().values()].join('\n');
    for (const name of ['R1:', 'R1b:', 'R1c:', 'R6:', 'read-your-writes', 'plan-time checks', 'partial failures']) {
      expect({ name, covered: guarantees.includes(name) }).toEqual({ name, covered: true });
    }
  });

  test('.ci/run runs the tier after npm test', () => {
    const lines = read('.ci/run')
      .split('\n')
      .map((line) => line.trim());
    const test = lines.indexOf('npm test');
    const tier = lines.indexOf('npm run test:powershell');
    expect(test).toBeGreaterThan(0);
    expect(tier).toBeGreaterThan(test);
  });
});
