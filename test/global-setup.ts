/**
 * Packages the provider once for the whole run: acceptance tests install it from dist/mirror with the real
 * terraform binary, exactly as a user does. The acceptance and packaging projects both name this hook; Jest loads
 * it once per project, so the second call reuses the first one's work.
 */
import { packageProvider } from '../scripts/package';

const ONCE = Symbol.for('exoform.test.packaged');

export default async function globalSetup(): Promise<void> {
  const state = globalThis as { [ONCE]?: Promise<unknown> };
  state[ONCE] ??= packageProvider();
  await state[ONCE];
}
