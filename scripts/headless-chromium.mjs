/**
 * Headless Chromium from npm, so a machine with only Node and Terraform can render the HTML report: the browser
 * binary ships compressed inside @sparticuz/chromium and puppeteer-core drives it. Both packages are ES modules,
 * which Jest's CommonJS runtime cannot load, so the test and scripts/report-screenshot.ts run this file as a child:
 *
 *   node scripts/headless-chromium.mjs dom <page.html>                        DOM after load, on stdout
 *   node scripts/headless-chromium.mjs screenshot <page.html> <out.png> <W>x<H>
 *   node scripts/headless-chromium.mjs widths <page.html> <W>x<H>...          laid-out widths of the page and of
 *                                                                             each tenant card per viewport, JSON
 *
 * Loading the page may request nothing beyond the page itself: any other request fails the run (the report is
 * meant to be self-contained).
 */
import { existsSync, mkdirSync, mkdtempSync, renameSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import chromium from '@sparticuz/chromium';
import puppeteer from 'puppeteer-core';

/**
 * The package inflates its binary into os.tmpdir() and trusts any file already there, so a run killed mid-way
 * would leave a broken browser for every later run, and checkouts would share one. Inflate into a staging
 * directory of this checkout and publish it with one rename; a concurrent run that loses the race discards its copy.
 */
async function browserPath() {
  const cache = join(dirname(fileURLToPath(import.meta.url)), '..', 'node_modules', '.cache', 'exoform-chromium');
  const ready = join(cache, 'ready');
  if (!existsSync(join(ready, 'chromium'))) {
    mkdirSync(cache, { recursive: true });
    const staging = mkdtempSync(join(cache, 'staging-'));
    process.env.TMPDIR = staging;
    await chromium.executablePath();
    try {
      renameSync(staging, ready);
    } catch {
      rmSync(staging, { recursive: true, force: true });
    }
  }
  process.env.TMPDIR = ready;
  return chromium.executablePath();
}

async function main() {
  const [mode, page, ...rest] = process.argv.slice(2);
  const [output, size] = mode === 'widths' ? [undefined, rest[0]] : rest;
  const viewports = (mode === 'widths' ? rest : [size ?? '1280x1024']).map((each) => each.split('x').map(Number));
  const modes = ['dom', 'screenshot', 'widths'];
  if (!modes.includes(mode) || !page || (mode === 'screenshot' && !(output && size)) || (mode === 'widths' && !size)) {
    throw new Error(
      'usage: headless-chromium.mjs dom <page.html> | screenshot <page.html> <out.png> <W>x<H> | widths <page.html> <W>x<H>...',
    );
  }
  const [width, height] = viewports[0];
  const url = pathToFileURL(page).href;
  const browser = await puppeteer.launch({
    executablePath: await browserPath(),
    headless: 'shell',
    args: ['--no-sandbox', '--disable-gpu', '--hide-scrollbars', '--no-first-run', '--no-zygote'],
  });
  try {
    const tab = await browser.newPage();
    await tab.setViewport({ width, height, deviceScaleFactor: 1 });
    const foreign = [];
    await tab.setRequestInterception(true);
    tab.on('request', (request) => {
      if (request.url() === url) return void request.continue();
      foreign.push(request.url());
      void request.abort();
    });
    await tab.goto(url, { waitUntil: 'load' });
    if (foreign.length > 0) throw new Error(`the page requested more than itself: ${foreign.join(', ')}`);
    if (mode === 'dom') process.stdout.write(await tab.content());
    else if (mode === 'screenshot') await tab.screenshot({ path: output, type: 'png' });
    else {
      // scrollWidth above clientWidth: content wider than its box, cut off or spilling over (CDP evaluation, which
      // the page's own policy of no scripts does not govern).
      const widths = [];
      for (const [viewportWidth, viewportHeight] of viewports) {
        await tab.setViewport({ width: viewportWidth, height: viewportHeight, deviceScaleFactor: 1 });
        widths.push({
          viewport: `${viewportWidth}x${viewportHeight}`,
          ...(await tab.evaluate(() => ({
            page: {
              scrollWidth: document.documentElement.scrollWidth,
              clientWidth: document.documentElement.clientWidth,
            },
            cards: [...document.querySelectorAll('.tenant')].map((card) => ({
              tenant: card.getAttribute('data-tenant') ?? '',
              scrollWidth: card.scrollWidth,
              clientWidth: card.clientWidth,
            })),
          }))),
        });
      }
      process.stdout.write(JSON.stringify(widths));
    }
  } finally {
    await browser.close();
  }
}

main().catch((error) => {
  process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = 1;
});
