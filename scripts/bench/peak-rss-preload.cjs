/**
 * Preloaded into the provider processes of a benchmark (NODE_OPTIONS=--require, set by scripts/bench/mailboxes.ts):
 * on exit, appends the process's own peak RSS to EXOFORM_PEAK_RSS_FILE as one JSON line. It lives here, not in the
 * provider's entry point, so production carries no benchmark code.
 *
 * On Linux getrusage's maxRSS also counts the process image it was started from: a provider forked by Terraform in
 * the middle of a large plan reports Terraform's RSS (over 150 MiB) as its own. The high-water mark of its own memory
 * map (VmHWM) is what the provider used.
 */
const { appendFileSync, readFileSync } = require('node:fs');

function peakRssKiB() {
  try {
    const found = /^VmHWM:\s+(\d+) kB/m.exec(readFileSync('/proc/self/status', 'utf8'));
    if (found) return Number(found[1]);
  } catch {
    // not Linux: getrusage is all there is
  }
  return process.resourceUsage().maxRSS;
}

const file = process.env.EXOFORM_PEAK_RSS_FILE;
if (file)
  process.on('exit', () => appendFileSync(file, `${JSON.stringify({ pid: process.pid, maxRssKiB: peakRssKiB() })}\n`));
