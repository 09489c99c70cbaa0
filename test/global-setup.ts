/**
 * Packages the provider once for the whole run: acceptance tests install it from dist/mirror with the real
 * terraform binary, exactly as a user does. It also makes the run's shared directory (test/support/shared-fixture.ts:
 * a signed release, the construct packages, built once for all files that need them). The acceptance and packaging
 * projects both name this hook; Jest loads it once per project, so the second call reuses the first one's work.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { packageProvider } from '../scripts/package';
import { RUN_STATE, SHARED_DIRECTORY_VARIABLE, type RunState } from './support/shared-fixture';

export default async function globalSetup(): Promise<void> {
  const state = globalThis as { [RUN_STATE]?: RunState };
  if (!state[RUN_STATE]) {
    // Always a new directory, even when the variable came from outside (a jest run inside a test's jest run must
    // not share, or tear down, the outer run's fixtures). Set before the workers start, so each inherits it.
    const shared = mkdtempSync(join(tmpdir(), 'exoform-test-run-'));
    process.env[SHARED_DIRECTORY_VARIABLE] = shared;
    state[RUN_STATE] = { shared, packaged: packageProvider() };
  }
  await state[RUN_STATE].packaged;
}
