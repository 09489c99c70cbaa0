/** Removes the run's shared directory test/global-setup.ts made; both projects name this hook, the second finds it gone. */
import { rmSync } from 'node:fs';
import { RUN_STATE, type RunState } from './support/shared-fixture';

export default function globalTeardown(): void {
  const state = globalThis as { [RUN_STATE]?: RunState };
  if (state[RUN_STATE]) rmSync(state[RUN_STATE].shared, { recursive: true, force: true });
}
