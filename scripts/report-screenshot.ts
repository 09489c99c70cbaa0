/**
 * Regenerates docs/report-demo.png: the demo fleet's HTML report (`exoform report --demo --format html`) as headless
 * Chromium shows it (the Chromium that @sparticuz/chromium ships, through scripts/headless-chromium.mjs).
 * Run: npx tsx scripts/report-screenshot.ts
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT } from './package';

const directory = mkdtempSync(join(tmpdir(), 'exoform-screenshot-'));
try {
  const report = spawnSync(
    process.execPath,
    [join(ROOT, 'bin', 'exoform.js'), 'report', '--demo', '--format', 'html', '--quiet'],
    {
      encoding: 'utf8',
      env: { ...process.env, EXOFORM_CLI_FROM_SOURCE: '1' },
    },
  );
  if (report.status !== 0) throw new Error(`exoform report --demo failed: ${report.stderr}`);
  const page = join(directory, 'report.html');
  writeFileSync(page, report.stdout);
  const output = join(ROOT, 'docs', 'report-demo.png');
  const headless = join(ROOT, 'scripts', 'headless-chromium.mjs');
  const shot = spawnSync(process.execPath, [headless, 'screenshot', page, output, '1240x2400'], { encoding: 'utf8' });
  if (shot.status !== 0) throw new Error(`chromium failed: ${shot.stderr}`);
  process.stdout.write(`${output}: ${Math.round(statSync(output).size / 1024)} KB\n`);
} finally {
  rmSync(directory, { recursive: true, force: true });
}
