/**
 * Test order for `npm test`, which runs every tier in one Jest invocation: longest files first, so that no worker
 * runs a two-minute suite alone at the end while the others idle. Jest's own sequencer does this from the
 * durations it caches after a run; a fresh clone has no cache and would fall back to file size, which puts short
 * unit files with large tables ahead of the long real-process suites. ESTIMATED_MS stands in for the cache until
 * then. The figures only order the run (a stale one costs some idle time, never a check); they are per-file wall
 * times of a CI run with `npm test` (2 cores, three workers), rounded; the eleven longest from the fresh-clone run
 * of December 2026 (`CI=true bash .ci/run`).
 */
const Sequencer = require('@jest/test-sequencer').default;

const ESTIMATED_MS = {
  'test/acceptance/authentication-policy.test.ts': 87_000,
  'test/acceptance/vanished-objects.test.ts': 87_000,
  'test/gitops/remote-state.test.ts': 84_000,
  'test/acceptance/mailbox-smtp-auth-list.test.ts': 82_000,
  'test/release/release.test.ts': 77_000,
  'test/emulator/crash-safety.test.ts': 75_000,
  'test/acceptance/cdktf-fleet.test.ts': 66_000,
  'test/constructs/examples.test.ts': 55_000,
  'test/examples.test.ts': 55_000,
  'test/acceptance/authentication-policy-assignment.test.ts': 54_000,
  'test/release/workflows.test.ts': 51_000,
  'test/acceptance/default-authentication-policy.test.ts': 50_000,
  'test/acceptance/powershell-bridge.test.ts': 50_000,
  'test/acceptance/hostile-identities.test.ts': 45_000,
  'test/acceptance/kill-provider.test.ts': 45_000,
  'test/acceptance/transport-config.test.ts': 40_000,
  'test/acceptance/concurrent-writers.test.ts': 35_000,
  'test/acceptance/interrupt.test.ts': 35_000,
  'test/acceptance/mailbox-smtp-auth.test.ts': 35_000,
  'test/acceptance/read-your-writes.test.ts': 35_000,
  'test/constructs/cdktn.test.ts': 30_000,
  'test/constructs/package.test.ts': 30_000,
  'test/gitops/install-release.test.ts': 30_000,
  'test/gitops/pipeline.test.ts': 30_000,
};

/** A file Jest has no time for and the table does not name: a unit file, seconds at most. */
const DEFAULT_MS = 1_000;

class LongestFirst extends Sequencer {
  time(test) {
    const cached = super.time(test);
    if (cached != null) return cached;
    const relative = test.path
      .slice(test.context.config.rootDir.length + 1)
      .split('\\')
      .join('/');
    return ESTIMATED_MS[relative] ?? DEFAULT_MS;
  }
}

module.exports = LongestFirst;
