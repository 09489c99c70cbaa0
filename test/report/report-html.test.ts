/**
 * The HTML report in a real browser: the Chromium that @sparticuz/chromium ships, headless, driven by
 * puppeteer-core through scripts/headless-chromium.mjs (a child process: both packages are ES modules). The page
 * `exoform report --demo --format html` writes is loaded from disk and may request nothing else; Chromium's DOM must
 * hold one card and two charts per tenant with the numbers of the JSON report, and its screenshot must show the
 * verdict colours (what a person reads at a glance), and no card may hold content wider than itself.
 */
import { spawn, spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ReadinessReport } from '../../src/report/report-model';
import { BIN, tempDir } from '../emulator/helpers';
import { countColour, decodePng } from '../support/png';

const HEADLESS_CHROMIUM = join(__dirname, '..', '..', 'scripts', 'headless-chromium.mjs');

function chromium(args: string[]): { stdout: string; status: number | null; stderr: string } {
  const result = spawnSync(process.execPath, [HEADLESS_CHROMIUM, ...args], {
    encoding: 'utf8',
    timeout: 90_000,
    maxBuffer: 20 * 1024 * 1024,
  });
  return { stdout: result.stdout, status: result.status, stderr: result.stderr };
}

describe('the HTML report in headless Chromium', () => {
  const dir = tempDir('exoform-report-html-');
  let html: string;
  let report: ReadinessReport;

  beforeAll(async () => {
    const run = await new Promise<{ code: number | null; stdout: string }>((resolve, reject) => {
      const child = spawn(
        process.execPath,
        [BIN, 'report', '--demo', '--format', 'html', '--json', join(dir.path, 'demo.json'), '--quiet'],
        {
          env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', EXOFORM_CLI_FROM_SOURCE: '1' },
        },
      );
      let stdout = '';
      child.stdout.on('data', (chunk) => (stdout += chunk));
      child.on('error', reject);
      child.on('close', (code) => resolve({ code, stdout }));
    });
    expect(run.code).toBe(0);
    html = run.stdout;
    writeFileSync(join(dir.path, 'report.html'), html);
    report = JSON.parse(readFileSync(join(dir.path, 'demo.json'), 'utf8')) as ReadinessReport;
  });

  afterAll(() => dir.remove());

  it('is self-contained: no script, no external resource', () => {
    expect(html).toMatch(/^<!DOCTYPE html>/);
    expect(html).not.toMatch(/<script|\ssrc=|\shref=|url\(|@import/i);
    expect(html).toContain("default-src 'none'");
  });

  it("Chromium's DOM has a card and two charts per tenant with the JSON report's numbers", () => {
    const dom = chromium(['dom', join(dir.path, 'report.html')]);
    expect(dom.stderr).toBe('');
    expect(dom.status).toBe(0);
    for (const tenant of report.tenants) {
      const start = dom.stdout.indexOf(`data-tenant="${tenant.tenant}"`);
      expect(start).toBeGreaterThan(0);
      const card = dom.stdout.slice(start, dom.stdout.indexOf('</section>', start));
      expect(card).toContain(`data-verdict="${tenant.verdict}"`);
      const verdicts = card.slice(card.indexOf('data-chart="verdicts"'));
      expect(verdicts).toMatch(new RegExp(`data-total="${tenant.counts!.mailboxes}"`));
      for (const [key, count] of Object.entries(tenant.counts!.verdicts)) {
        if (count > 0) expect(verdicts).toContain(`data-segment="${key}" data-count="${count}"`);
        else expect(verdicts).not.toContain(`data-segment="${key}"`);
      }
      const effective = card.slice(card.indexOf('data-chart="effective"'), card.indexOf('data-chart="verdicts"'));
      if (tenant.counts!.effectiveBasicSmtp > 0)
        expect(effective).toContain(
          `data-segment="basic-smtp-allowed" data-count="${tenant.counts!.effectiveBasicSmtp}"`,
        );
      expect(effective).toContain(`data-total="${tenant.counts!.mailboxes}"`);
    }
    expect(dom.stdout).toContain(`<b>${report.totals.tenantVerdicts.breaks}</b>tenant(s) break`);
  });

  it('fits its width: no tenant card spills over, on a laptop and on a narrow window', () => {
    const laidOut = chromium(['widths', join(dir.path, 'report.html'), '1280x1400', '800x1000']);
    expect(laidOut.stderr).toBe('');
    expect(laidOut.status).toBe(0);
    const viewports = JSON.parse(laidOut.stdout) as Array<{
      viewport: string;
      page: { scrollWidth: number; clientWidth: number };
      cards: Array<{ tenant: string; scrollWidth: number; clientWidth: number }>;
    }>;
    expect(viewports.map((each) => each.viewport)).toEqual(['1280x1400', '800x1000']);
    for (const { viewport, page, cards } of viewports) {
      expect({ viewport, scrollWidth: page.scrollWidth }).toEqual({ viewport, scrollWidth: page.clientWidth });
      expect(cards.map((card) => card.tenant).sort()).toEqual(report.tenants.map((tenant) => tenant.tenant).sort());
      // Wider content than its card is cut off or spills over the next card (the "Ways out" column once did).
      for (const card of cards)
        expect({ viewport, ...card, scrollWidth: card.clientWidth }).toEqual({ viewport, ...card });
    }
  });

  it('renders the charts: the screenshot shows breaks, at-risk and ready in their colours', () => {
    const png = join(dir.path, 'shot.png');
    const shot = chromium(['screenshot', join(dir.path, 'report.html'), png, '1280x2400']);
    expect(shot.stderr).toBe('');
    expect(shot.status).toBe(0);
    const pixels = decodePng(readFileSync(png));
    expect([pixels.width, pixels.height]).toEqual([1280, 2400]);
    // Bars are 26 px high: hundreds of pixels per segment, far more than badges or pills alone would give.
    expect(countColour(pixels, '#c62828')).toBeGreaterThan(3000); // breaks / Basic SMTP allowed
    expect(countColour(pixels, '#ef8f00')).toBeGreaterThan(800); // at risk
    expect(countColour(pixels, '#2e7d32')).toBeGreaterThan(10000); // ready
    expect(countColour(pixels, '#1565c0')).toBeGreaterThan(1000); // SMTP AUTH on, Basic blocked
  });
});
