/**
 * The part of P1's refresh that runs after the last page: exchangeonline_mailbox_smtp_auth_list's read() of 60,000
 * identities (decoded from msgpack, as Terraform sends them) on a directory that has read the 60,000-mailbox tenant.
 * Nothing overlaps it in a plan. Prints the median and fastest of 15 reads, in ms.
 * Run: npx tsx scripts/bench/p1-refresh-tail.ts (compare trees side by side: the machine's load moves it).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { createRestBridge } from '../../src/bridge/rest/create-rest-bridge';
import { startEmulator } from '../../src/emulator';
import { MailboxDirectory } from '../../src/exchange/mailbox-directory';
import { decodeMsgpack, encodeMsgpack } from '../../src/protocol/msgpack';
import { mailboxSmtpAuthListResource } from '../../src/provider/resources/mailbox-smtp-auth-list';
import type { ExchangeClient } from '../../src/provider/shared/exchange-client';

const COUNT = 60_000;
const TENANT = 'fabrikam.onmicrosoft.com';

(async () => {
  const dir = mkdtempSync(join(tmpdir(), 'p1-tail-'));
  const seed = { domain: TENANT, domains: ['fabrikam.com'], generatedMailboxes: COUNT };
  const emulator = await startEmulator({
    dataFile: join(dir, 'e.json'),
    token: 't',
    seed: { tenants: [{ ...seed, generatedMailboxSmtpClientAuthenticationDisabled: false }] },
  });
  const bridge = createRestBridge({ organization: TENANT, endpoint: emulator.url, accessToken: 't' });
  try {
    const mailboxes = new MailboxDirectory(bridge);
    await mailboxes.all({ bridge });
    const identities: Record<string, string> = {};
    for (let i = 1; i <= COUNT; i++) identities[`user${String(i).padStart(5, '0')}@fabrikam.com`] = '';
    const state = decodeMsgpack(
      encodeMsgpack({
        id: 'bench',
        identities,
        smtp_client_authentication_disabled: false,
        exclusive: false,
        out_of_sync: {},
        stray_mailboxes: {},
      }),
    ) as Record<string, never>;
    const client = { mailboxes } as unknown as ExchangeClient;
    const signal = new AbortController().signal;
    const times: number[] = [];
    for (let run = 0; run < 15; run++) {
      const started = performance.now();
      const read = await mailboxSmtpAuthListResource.read({ client, state, signal, warn: () => undefined });
      times.push(performance.now() - started);
      if (Object.keys(read!.out_of_sync as object).length !== 0) throw new Error('expected every mailbox in line');
    }
    times.sort((a, b) => a - b);
    console.log(
      JSON.stringify({ identities: COUNT, medianMs: +times[7]!.toFixed(1), fastestMs: +times[0]!.toFixed(1) }),
    );
  } finally {
    await bridge.close();
    await emulator.close();
    rmSync(dir, { recursive: true, force: true });
  }
})();
