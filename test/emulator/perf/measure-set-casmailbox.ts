/**
 * Not a test: a measurement script for the persistence cost under the provider's benchmark P4 load shape.
 *
 *   npx tsx test/emulator/perf/measure-set-casmailbox.ts [--mailboxes 60000] [--batches 500] [--concurrency 4] [--latency-ms 0]
 *
 * Seeds a tenant with N generated mailboxes into a fresh data file, then sends `batches` $batch requests of 10
 * Set-CASMailbox items each (distinct mailboxes) from `concurrency` concurrent clients, and prints wall time,
 * per-request latency percentiles, state writes and file sizes.
 */
import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startEmulator } from '../../../src/emulator';

function flag(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
}

async function main(): Promise<void> {
  const mailboxes = flag('mailboxes', 60_000);
  const batches = flag('batches', 500);
  const concurrency = flag('concurrency', 4);
  const latencyMs = flag('latency-ms', 0);
  const perBatch = 10;
  const domain = 'perf.onmicrosoft.com';
  const dir = mkdtempSync(join(tmpdir(), 'exoform-perf-'));
  const dataFile = join(dir, 'state.json');
  const token = 'perf-token';
  try {
    let started = Date.now();
    const emulator = await startEmulator({
      dataFile,
      token,
      seed: { tenants: [{ domain, generatedMailboxes: mailboxes }] },
      latency: { callMs: latencyMs },
    });
    console.log(
      `seeded ${mailboxes} mailboxes in ${Date.now() - started} ms; state file ${(statSync(dataFile).size / 1e6).toFixed(1)} MB`,
    );
    const width = Math.max(5, String(mailboxes).length);
    const upn = (n: number): string => `user${String(n).padStart(width, '0')}@${domain}`;
    const url = `${emulator.url}/adminapi/beta/${domain}/$batch`;
    let next = 0;
    const latencies: number[] = [];
    let failures = 0;
    const worker = async (): Promise<void> => {
      for (;;) {
        const batch = next++;
        if (batch >= batches) return;
        const requests = Array.from({ length: perBatch }, (_, i) => {
          const n = ((batch * perBatch + i) % mailboxes) + 1;
          return {
            id: String(i + 1),
            method: 'POST',
            url: 'InvokeCommand',
            body: {
              CmdletInput: {
                CmdletName: 'Set-CASMailbox',
                Parameters: { Identity: upn(n), SmtpClientAuthenticationDisabled: batch % 2 === 0 },
              },
            },
          };
        });
        const t0 = performance.now();
        const response = await fetch(url, {
          method: 'POST',
          headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
          body: JSON.stringify({ requests }),
        });
        const body = (await response.json()) as { responses: Array<{ status: number }> };
        latencies.push(performance.now() - t0);
        if (process.env.TIMELINE && performance.now() - t0 > 200)
          console.log(
            `  slow request: batch ${batch} took ${(performance.now() - t0).toFixed(0)} ms at +${(performance.now() - t1).toFixed(0)} ms`,
          );
        failures += body.responses.filter((r) => r.status !== 200).length + (response.status === 200 ? 0 : 1);
      }
    };
    started = Date.now();
    const t1 = performance.now();
    await Promise.all(Array.from({ length: concurrency }, worker));
    const elapsed = Date.now() - started;
    latencies.sort((a, b) => a - b);
    const pct = (p: number): string =>
      latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))]!.toFixed(0);
    const stats = (await (
      await fetch(`${emulator.url}/_emulator/stats`, { headers: { authorization: `Bearer ${token}` } })
    ).json()) as { stateWrites: number };
    const journal = `${dataFile}.journal`;
    console.log(
      `${batches} batches x ${perBatch} Set-CASMailbox, ${concurrency} concurrent, ${latencyMs} ms latency: ${elapsed} ms total ` +
        `(${((batches * perBatch) / (elapsed / 1000)).toFixed(0)} changes/s); per request p50 ${pct(0.5)} ms, p95 ${pct(0.95)} ms, max ${pct(1)} ms; ` +
        `failures ${failures}; state writes ${stats.stateWrites}; journal ${existsSync(journal) ? (statSync(journal).size / 1e6).toFixed(1) + ' MB' : 'none'}`,
    );
    started = Date.now();
    await emulator.close();
    console.log(`close: ${Date.now() - started} ms`);
    started = Date.now();
    const again = await startEmulator({ dataFile, token });
    console.log(`restart (load): ${Date.now() - started} ms`);
    await again.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

void main();
