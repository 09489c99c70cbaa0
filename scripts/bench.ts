/**
 * `npm run bench [-- --json]`: the product's speed figures, as medians over repeated runs.
 * Builds the provider package first, and runs everything against an emulator on loopback.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startEmulator } from '../src/emulator';
import { packageProvider } from './package';
import { benchPlan } from './bench/plan';
import { printFigure, type Figure } from './bench/report';
import { benchStartup } from './bench/startup';

async function main(): Promise<void> {
  const json = process.argv.includes('--json');
  const log = (line: string): void => {
    if (!json) process.stdout.write(line + '\n');
  };
  await packageProvider();
  const show = (figure: Figure): void => printFigure(figure, json);

  log('# exoform benchmarks (medians)');
  show(await benchStartup());

  const directory = mkdtempSync(join(tmpdir(), 'exoform-bench-emu-'));
  const emulator = await startEmulator({ dataFile: join(directory, 'state.json'), seed: 'demo', token: 'bench-token' });
  try {
    const providerEnv = { EXO_ENDPOINT: emulator.url, EXO_ORGANIZATION: 'contoso.onmicrosoft.com', EXO_ACCESS_TOKEN: 'bench-token' };
    for (const figure of await benchPlan(providerEnv)) show(figure);
  } finally {
    await emulator.close();
    rmSync(directory, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`bench failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
