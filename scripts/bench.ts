/**
 * `npm run bench [-- --json] [-- --only <suite id or id prefix>]`: the product's speed figures, as medians over repeated
 * runs. Builds the provider package first, and runs everything against an emulator on loopback.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startEmulator } from '../src/emulator';
import { packageProvider } from './package';
import { benchP1, benchP2, benchP4 } from './bench/mailboxes';
import { benchPlan } from './bench/plan';
import { printFigure, type Figure } from './bench/report';
import {
  benchStartup,
  benchStartupCodeCache,
  benchStartupFirstCall,
  benchStartupPieces,
  benchStartupRatio,
} from './bench/startup';

/** Transport config plan vs terraform_data, against the demo tenant. */
async function benchTransportPlan(): Promise<Figure[]> {
  const directory = mkdtempSync(join(tmpdir(), 'exoform-bench-emu-'));
  const emulator = await startEmulator({ dataFile: join(directory, 'state.json'), seed: 'demo', token: 'bench-token' });
  try {
    return await benchPlan({
      EXO_ENDPOINT: emulator.url,
      EXO_ORGANIZATION: 'contoso.onmicrosoft.com',
      EXO_ACCESS_TOKEN: 'bench-token',
    });
  } finally {
    await emulator.close();
    rmSync(directory, { recursive: true, force: true });
  }
}

const SUITES: Array<[id: string, run: () => Promise<Figure[]>]> = [
  ['startup-ratio', () => benchStartupRatio()],
  ['startup', async () => [await benchStartup()]],
  ['startup-first-call', () => benchStartupFirstCall()],
  ['startup-pieces', () => benchStartupPieces()],
  ['startup-code-cache', () => benchStartupCodeCache()],
  ['plan', benchTransportPlan],
  ['P1', () => benchP1()],
  ['P2', () => benchP2()],
  ['P4', () => benchP4()],
  ['P5', async () => (await import('./bench/fleet')).benchP5()],
  ['P5-1000', async () => (await import('./bench/fleet')).benchP5({ tenants: 1000, id: 'P5-1000', target: 600 })],
  ['report-tenant', async () => (await import('./bench/readiness')).benchReportTenant()],
  ['report-fleet', async () => (await import('./bench/readiness')).benchReportFleet()],
  ['report-fleet-1000', async () => (await import('./bench/readiness')).benchReportFleet(1000)],
];

async function main(): Promise<void> {
  const json = process.argv.includes('--json');
  const onlyIndex = process.argv.indexOf('--only');
  const only = onlyIndex >= 0 ? process.argv[onlyIndex + 1] : undefined;
  const exact = SUITES.some(([id]) => id === only);
  await packageProvider();
  if (!json) process.stdout.write('# exoform benchmarks (medians)\n');
  for (const [id, run] of SUITES) {
    // An exact suite id runs that suite alone (`--only P5` leaves out the hour-long P5-1000); else any id prefix.
    if (only && (exact ? id !== only : !id.startsWith(only))) continue;
    for (const figure of await run()) printFigure(figure, json);
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`bench failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
